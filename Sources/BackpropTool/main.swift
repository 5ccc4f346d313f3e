#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "check" {
    exit(CheckCommand.run(Array(arguments.dropFirst())))
}
print("placeholder")
