import Foundation

// `ektp-bench`: the station benchmarks (rendering, pipeline, ektpd start-up and memory).
// `ektp-bench hub [backlog|country]`: the hub benchmarks (`HubBench.swift`).
// `ektp-bench sync`: the station–hub link with real processes (`SyncBench.swift`). Each figure
// comes with a baseline measured in the same run.

func say(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

let arguments = CommandLine.arguments
if arguments.dropFirst().first == "hub" {
    try await HubBench.run(Array(arguments.dropFirst(2)))
} else if arguments.dropFirst().first == "sync" {
    try await SyncBench.run(Array(arguments.dropFirst(2)))
} else {
    try await StationBench.run(arguments)
}
