// coordination/: ZooKeeper layout, rebalance strategies and sessions. Imports only common/.
export * from './zk/znodes.js';
export { defaultAssignment, javaStringSort } from './rebalance/default-strategy.js';
export { consistentHashAssignment } from './rebalance/consistent-hash-strategy.js';
export { assignmentStrategy } from './rebalance/strategy.js';
export type { AssignmentStrategy, LoadBalanceStrategyType } from './rebalance/strategy.js';
