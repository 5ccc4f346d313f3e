// The umbrella module: `import Backprop` brings in every public module.
@_exported import Autodiff
@_exported import DeltaRule
@_exported import NeuralNetworks
@_exported import Tensors
