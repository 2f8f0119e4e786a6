"""linfit: closed-form regression baselines on torch tensors."""
