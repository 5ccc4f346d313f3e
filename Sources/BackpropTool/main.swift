// The `backprop` command: the main job (no arguments), `train`, `check`, `graph` and `help`.
// Arguments are parsed by hand (Arguments.swift): a mistake prints what was wrong and the
// usage on standard error and exits with status 2; nothing a user types can crash it.
import Backprop
import Foundation

let usage = """
    usage: backprop                 train the cross-entropy text's 64-25-10 network on the bundled digits,
                                    print its test accuracy, and check the tape against the δ rules
           backprop train [options] train a reference model (see below)
           backprop check [options] finite differences and δ-rule agreement, as a table
           backprop graph [options] the tape of a model's objective as Graphviz DOT or an SVG picture
           backprop help            this text

    train options:
      --model digits|xor|logistic|deep|cnn|lstm|transformer   the architecture (default digits; cnn: DigitCNN, lstm: DigitLSTM, transformer: DigitTransformer, 8×8 images)
      --data FILE.csv                    your own data: numbers, one example per row, the class index
                                         (0…65535) in the last column (or --label-column N, from 1);
                                         default: the bundled digits (the XOR patterns for --model xor)
      --label-column N                   which column holds the class index
      --epochs N  --learning-rate η  --batch-size M  --lambda λ  --seed S
      --optimizer sgd|momentum|nesterov|adam|adamw|rmsprop|adagrad   (default adam)
      --weight-decay W                   AdamW's decoupled weight decay (default 0.01)
      --schedule constant|cosine|cosine:FLOOR|step:EVERY:FACTOR
                                         the learning rate over the run's steps (default constant; lstm: cosine, transformer: cosine:0.02)
      --warmup N                         a linear warm-up over the first N steps, then the schedule
      --clip-norm C                      scale each step's gradients down to global norm ≤ C
      --test-every K                     every K-th row to the test set (default 5; 0: no test set)
      --quiet                            no progress display
      --detect-anomalies                 check every value of every step: stop at the first NaN or ±∞
                                         with the op and source line where it was born (a non-finite
                                         loss stops training, with that report, in any case)
      --load FILE.safetensors            start from a checkpoint (all parameters, by name and shape)
      --save FILE.safetensors            save the trained parameters (atomically) as a checkpoint;
                                         refused, leaving FILE as it was, if any is NaN or ±∞
      --load-pytorch FILE.safetensors    start from a PyTorch state_dict (torch's names and layouts)
      --save-pytorch FILE.safetensors    also save the trained model as PyTorch's state_dict, for
                                         net.load_state_dict(safetensors.torch.load_file(FILE))
      --plot FILE.svg                    draw the loss (and test accuracy) per epoch there (atomically)

    check options:
      --layers 3,5,5,4  --examples 8  --lambda 3  --seed 1  --epsilon 0.12
      --form fused|composed  --reference vectorised|loop
      --trace                            also print the chain rule as it ran, in the texts' δ notation,
                                         for the 2-2-1 example and this network (Docs/DeltaRule.md)

    graph options:
      --model digits|xor|logistic|deep|cnn|lstm|transformer   the architecture (default digits; cnn: DigitCNN, lstm: DigitLSTM, transformer: DigitTransformer, 8×8 images)
      --examples N  --lambda λ  --seed S the batch (first N examples), the L2 term, the initial weights
      --output FILE.svg                  draw the graph as an SVG picture there (atomically; no Graphviz needed)
      --output FILE.dot                  write Graphviz DOT there (atomically) instead of standard output;
                                         render with: dot -Tsvg FILE.dot > graph.svg
    """

/// Runs the command line and returns the exit status.
func run(_ arguments: [String]) -> Int32 {
    do {
        switch arguments.first {
        case nil: return try MainJob.run()
        case "help", "--help", "-h": print(usage); return 0
        case "train": return try TrainCommand.run(Array(arguments.dropFirst()))
        case "check": return try CheckCommand.run(Array(arguments.dropFirst()))
        case "graph": return try GraphCommand.run(Array(arguments.dropFirst()))
        case let other?: throw ArgumentError("unknown command '\(other)'")
        }
    } catch let error as ArgumentError {
        printError("backprop: \(error)\n\n\(usage)")
        return 2
    } catch {
        printError("backprop: \(error)")
        return 1
    }
}

exit(run(Array(CommandLine.arguments.dropFirst())))
