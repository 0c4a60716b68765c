"""PyTorch side of `npm run bench -- allreduce`: one rank of torch.distributed with the gloo
backend (what DDP uses on CPU) averaging a gradient of `--floats` float32 values in DDP's
25 MiB buckets — flatten into the bucket, all_reduce, divide, copy back — `--iters` times after
`--warmup`. Rank 0 prints one JSON line: torch version and the median and samples in ms.
Run with /usr/bin/python3 (Debian python3-torch); two processes, ranks 0 and 1."""
import argparse
import json
import statistics
import time

import torch
import torch.distributed as dist


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--rank', type=int, required=True)
    p.add_argument('--world', type=int, default=2)
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--floats', type=int, default=11_200_000)
    p.add_argument('--iters', type=int, default=20)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--threads', type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{args.port}', rank=args.rank, world_size=args.world)
    bucket = (25 << 20) // 4
    # The gradient as DDP sees it: many parameter tensors (here two equal halves per bucket).
    grads = []
    left = args.floats
    while left > 0:
        n = min(bucket, left)
        grads += [torch.randn(n // 2), torch.randn(n - n // 2)]
        left -= n
    samples = []
    for i in range(args.warmup + args.iters):
        dist.barrier()
        t0 = time.perf_counter()
        for j in range(0, len(grads), 2):
            flat = torch.cat([grads[j], grads[j + 1]])  # the bucket
            dist.all_reduce(flat)
            flat.div_(args.world)
            grads[j].copy_(flat[: grads[j].numel()])
            grads[j + 1].copy_(flat[grads[j].numel():])
        if i >= args.warmup:
            samples.append((time.perf_counter() - t0) * 1000)
    if args.rank == 0:
        print(json.dumps({'torch': torch.__version__, 'median_ms': statistics.median(samples), 'samples_ms': samples}), flush=True)
    dist.destroy_process_group()


if __name__ == '__main__':
    main()
