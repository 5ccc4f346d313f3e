// The umbrella module: `import Backprop` brings in every public module.
@_exported import Autodiff
@_exported import Tensors
