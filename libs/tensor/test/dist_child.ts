/**
 * One rank of native_distributed.test.ts, as its own process: joins the group, runs the
 * collectives on values that depend on its rank, prints one JSON line with what it got.
 * argv: rank worldSize rendezvous timeoutMs [mode]
 */
import { ProcessGroup } from '@disco/tensor';

const [rank, worldSize, rendezvous, timeoutMs, mode = 'all'] = process.argv.slice(2);
const r = Number(rank);
try {
  const g = ProcessGroup.join({ rank: r, worldSize: Number(worldSize), rendezvous, timeoutMs: Number(timeoutMs), prefix: 'test/' });
  if (mode === 'join') {
    console.log(JSON.stringify({ rank: r, joined: true }));
    process.exit(0);
  }
  if (mode === 'die-after-join' && r === 1) process.kill(process.pid, 'SIGKILL');
  g.set(`hello/${r}`, `from ${r}`);
  const other = g.get(`hello/${(r + 1) % Number(worldSize)}`);
  const big = new Float32Array(1_000_003).map((_, i) => (i % 7) + r); // rank-dependent
  const mean = g.allreduceMean(big);
  const gathered = g.allgather(Float32Array.of(r, r + 0.5));
  const bcast = g.broadcast(Float32Array.of(10 + r, 20 + r), 0);
  g.barrier();
  g.leave();
  console.log(JSON.stringify({ rank: r, other, meanHead: Array.from(mean.subarray(0, 8)), meanLength: mean.length, gathered: Array.from(gathered), bcast: Array.from(bcast) }));
} catch (err) {
  console.log(JSON.stringify({ rank: r, error: (err as Error).message }));
  process.exit(1);
}
