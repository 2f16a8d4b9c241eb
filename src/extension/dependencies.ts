/** Moved to core (`testmesh watch` re-runs affected flows by the same rules). */
export { affectedFlows, dependenciesOf, type FlowLookup } from '../core/flowDependencies';
