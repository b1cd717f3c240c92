import ArgumentParser
import ZooKeras
import ZooModels

struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load weights into a zoo model and print the load report: every parameter's source dataset, stored shape and status.",
        discussion: "Exits with status 4 when anything is missing, unexpected or of the wrong shape.")

    @OptionGroup var architecture: ArchitectureOptions
    @OptionGroup var weights: WeightOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws { try checkBackboneName(architecture.model) }

    func run() throws {
        let model = try architecture.build()
        let report = try weights.load(into: model, entry: architecture.entry(), includeTop: architecture.includeTop,
                                      check: false)
        if json { try printJSON(report) } else { print(report.table()) }
        try report.check()
    }
}
