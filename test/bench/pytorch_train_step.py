"""PyTorch side of `npm run bench -- train-step`: forward (BN train mode) + backward + SGD
momentum step; loss = mean of the pooled features squared (as in train_step.ts). Prints one
JSON line: torch version, threads, parameter count, median and samples in ms (or, with
--serve, one step per stdin line: see pytorch_resnet.run)."""
import torch

from pytorch_resnet import bench_args, run, setup


def main():
    p = bench_args(__doc__)
    p.add_argument('--lr', type=float, default=0.01)
    p.add_argument('--momentum', type=float, default=0.9)
    args = p.parse_args()
    model, x = setup(args)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(x).pow(2).mean()  # [] mean of [N, D] squared
        loss.backward()
        opt.step()
        if not torch.isfinite(loss):
            raise SystemExit(f'train-step: loss is {loss.item()}')

    run(model, step, args)


if __name__ == '__main__':
    main()
