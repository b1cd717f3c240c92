import ArgumentParser
import Foundation
import ZooLayers
import ZooSupport
import ZooTensor

struct Graph: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a model's architecture as a Graphviz graph: layers with their class and output shape, edges from their inputs.")

    @Argument(help: ArgumentHelp("The model: \(catalogueModelList) (`zoo catalogue`), mlp or cnn."))
    var model: String?

    @Option(help: "Draw the model stored in a Keras full-model file instead.")
    var modelFile: String?

    @OptionGroup var shape: ShapeOptions

    @Option(help: "FILE.dot, or FILE.svg (rendered with Graphviz's dot, which must be installed: Debian package graphviz).")
    var output: String

    func validate() throws {
        guard (model == nil) != (modelFile == nil) else { throw ValidationError("give either MODEL or --model-file") }
        guard output.hasSuffix(".dot") || output.hasSuffix(".svg") else { throw ValidationError("--output must end in .dot or .svg") }
        if let model { try shape.check(for: model) }
    }

    func run() throws {
        let m = try modelFile.map(ModelFileOptions.load) ?? buildModel(model!, shape)
        let dot = graphviz(m.graph)
        guard output.hasSuffix(".svg") else { return try writeTextAtomically(dot, to: output) }
        guard let dotTool = ["/usr/bin/dot", "/usr/local/bin/dot"].first(where: FileManager.default.isExecutableFile) else {
            throw ExitStatus.Failure(status: .failure, message: "\(output): SVG needs Graphviz's dot (Debian package graphviz); use a .dot file name")
        }
        let source = temporaryPath("graph.dot")
        defer { unlink(source) }
        try writeTextAtomically(dot, to: source)
        try AtomicOutput.write(to: output) { tmp in try runTool(dotTool, ["-Tsvg", "-o", tmp, source]) }
    }
}

/// The model as a DOT digraph, top to bottom, one box per layer.
func graphviz(_ graph: ModelGraph) -> String {
    var lines = ["digraph \"\(graph.name)\" {", "  rankdir=TB;", "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", fontname=\"Helvetica\", fontsize=10];"]
    for node in graph.nodes {
        let params = node.parameterCount > 0 ? "\\n\(grouped(node.parameterCount)) params" : ""
        lines.append("  \"\(node.name)\" [label=\"\(node.name)\\n\(node.className)\\n\(describeShape(node.outputShape))\(params)\"];")
        for input in node.inbound { lines.append("  \"\(input)\" -> \"\(node.name)\";") }
    }
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
}
