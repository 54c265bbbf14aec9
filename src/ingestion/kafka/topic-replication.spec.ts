import { minInsyncReplicasFor, replicationFor } from './topic-replication';

describe('topic replication', () => {
  it('gives one copy on one broker, so a single broker still takes writes', () => {
    expect(replicationFor(1)).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
  });

  it('gives two copies on two brokers, and lets either one alone take writes', () => {
    expect(replicationFor(2)).toEqual({ replicationFactor: 2, minInsyncReplicas: 1 });
  });

  it('gives three copies, two in sync, on three brokers or more', () => {
    expect(replicationFor(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(replicationFor(7)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  it('asks for one copy when the cluster reports no broker (it would fail, not ask for zero)', () => {
    expect(replicationFor(0).replicationFactor).toBe(1);
  });

  it('never asks an existing topic with fewer copies for two in sync', () => {
    expect(minInsyncReplicasFor(1)).toBe(1);
    expect(minInsyncReplicasFor(2)).toBe(1);
    expect(minInsyncReplicasFor(3)).toBe(2);
  });
});
