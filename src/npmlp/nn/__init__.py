"""The seed's math (layers, loss) and the model: scaling, buffers, prediction, MLP, its file."""
