#!/usr/bin/env bash
# Fetches Apache Kafka's broker (org.apache.kafka:kafka_2.13 and its runtime dependencies) from
# Maven Central with Maven into a cache folder outside the repository, keyed by version, for the
# Kafka action tests (test/support/kafka.ts starts it as a single KRaft node). Idempotent: a marker
# is written only after the jars are in place and `kafka.Kafka --version` reports the version, so an
# interrupted fetch is redone. Progress goes to stderr; the last line on stdout is the folder of
# the jars.
set -euo pipefail

version="${TESTMESH_KAFKA_VERSION:-4.1.1}"
tools_dir="${TESTMESH_TOOLS_DIR:-$HOME/.cache/testmesh-tools}"
install_dir="$tools_dir/kafka-$version"
libs="$install_dir/libs"
marker="$install_dir/.installed"

if [ -f "$marker" ]; then
  echo "$libs"
  exit 0
fi

log() { echo "install-kafka: $*" >&2; }

# Java 17+ runs the broker, Maven fetches it: installed from Debian's packages when missing.
if ! command -v java >/dev/null || ! command -v mvn >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    log "Java or Maven is missing: Apache Kafka $version needs both (apt-get install openjdk-17-jre-headless maven)"
    exit 1
  fi
  log "installing Java and Maven from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless maven >/dev/null
fi

mkdir -p "$tools_dir"
# Two test processes may ask at once: the second waits for the first, then finds the marker.
exec 9>"$tools_dir/kafka-$version.lock"
flock 9
if [ -f "$marker" ]; then
  echo "$libs"
  exit 0
fi

started=$SECONDS
# Whatever is there without a marker is a broken earlier attempt: start clean.
rm -rf "$install_dir"
mkdir -p "$install_dir"

# A throwaway project whose only job is to name the broker and a logging backend for Maven.
cat >"$install_dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.testmesh</groupId>
  <artifactId>kafka-broker-for-tests</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$version</version>
    </dependency>
    <!-- The broker logs through SLF4J 1.7: the simple backend writes to stderr, level set by the test support. -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-simple</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
POM

log "fetching org.apache.kafka:kafka_2.13:$version and its dependencies with Maven"
(cd "$install_dir" && mvn -B -q dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs" >&2)

if ! ls "$libs"/kafka_2.13-"$version".jar >/dev/null 2>&1; then
  log "kafka_2.13-$version.jar is missing from $libs after the fetch"
  exit 1
fi
reported="$(java -cp "$libs/*" kafka.Kafka --version 2>/dev/null | tail -1 || true)"
if [ "$reported" != "$version" ]; then
  log "kafka.Kafka --version printed '$reported', not $version"
  exit 1
fi
log "fetched $(ls "$libs" | wc -l) jars in $((SECONDS - started)) s"
echo "$version" >"$marker"
echo "$libs"
