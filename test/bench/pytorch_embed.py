"""PyTorch side of `npm run bench -- embed`: the frozen teacher's forward in eval mode under
torch.no_grad() (as in embed.ts). Prints one JSON line: torch version, threads, parameter
count, median and samples in ms (or, with --serve, one step per stdin line: see pytorch_resnet.run)."""
import torch

from pytorch_resnet import bench_args, run, setup


def main():
    args = bench_args(__doc__).parse_args()
    model, x = setup(args)
    model.eval()

    def step():
        with torch.no_grad():
            model(x)  # [N, D]

    run(model, step, args)


if __name__ == '__main__':
    main()
