"""The training loop, its optimisers and settings, checkpoints, L-BFGS, the policy, gradient checks, health."""
