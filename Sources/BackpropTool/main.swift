// The `backprop` command: the main job (no arguments), `train`, `check` and `help`.
import Backprop
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "check" {
    exit(CheckCommand.run(Array(arguments.dropFirst())))
}
do {
    exit(try MainJob.run())
} catch {
    printError("backprop: \(error)")
    exit(1)
}
