/**
 * The admin forms of TestMesh's Kafka plugin, on the execution's admin connection:
 * `kafka.admin.topics` (result `topics: [{name, partitions, replicationFactor}]`, internal topics
 * left out), `kafka.admin.createTopic` (`topic`, `partitions` 1, `replicationFactor` 1; result
 * `topic`, `created` — false when it existed —, `partitions`, `replicationFactor`) and
 * `kafka.admin.deleteTopic` (result `deleted: [topic]`). `brokers` defaults to localhost:9092.
 */
import { TestMeshError } from '../errors';
import { optionalNumber, requireString, type Config } from './config';
import { adminFor, kafkaErrorMessage, readConnection } from './kafkaClient';
import { registerAction } from './registry';
import type { ActionContext } from './types';

const DEFAULT_BROKERS = 'localhost:9092';

async function withAdmin<T>(
  ctx: ActionContext,
  config: Config,
  what: string,
  use: (admin: Awaited<ReturnType<typeof adminFor>>) => Promise<T>,
): Promise<T> {
  const connection = await readConnection(config, ctx, DEFAULT_BROKERS);
  try {
    return await use(await adminFor(ctx, connection));
  } catch (err) {
    if (err instanceof TestMeshError) throw err;
    throw new TestMeshError(`kafka: ${what} on ${connection.brokers.join(',')} failed: ${kafkaErrorMessage(err)}`);
  }
}

registerAction({
  name: 'kafka.admin.topics',
  async run(config, ctx) {
    return withAdmin(ctx, config, 'listing topics', async (admin) => {
      const names = (await admin.listTopics()).filter((name) => !name.startsWith('__')).sort();
      const { topics } = names.length ? await admin.fetchTopicMetadata({ topics: names }) : { topics: [] };
      return {
        topics: topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.length,
          replicationFactor: t.partitions[0]?.replicas.length ?? 0,
        })),
      };
    });
  },
});

registerAction({
  name: 'kafka.admin.createTopic',
  async run(config, ctx) {
    const topic = requireString(config, 'topic');
    const partitions = optionalNumber(config, 'partitions') ?? 1;
    const replicationFactor = optionalNumber(config, 'replicationFactor') ?? 1;
    return withAdmin(ctx, config, `creating topic '${topic}'`, async (admin) => {
      const created = await admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor }],
        waitForLeaders: true,
      });
      return { topic, created, partitions, replicationFactor };
    });
  },
});

registerAction({
  name: 'kafka.admin.deleteTopic',
  async run(config, ctx) {
    const topic = requireString(config, 'topic');
    return withAdmin(ctx, config, `deleting topic '${topic}'`, async (admin) => {
      await admin.deleteTopics({ topics: [topic] });
      return { deleted: [topic] };
    });
  },
});
