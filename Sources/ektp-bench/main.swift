import Foundation

// `ektp-bench`: the station benchmarks (rendering, pipeline, ektpd start-up and memory).
// `ektp-bench hub [backlog|country]`: the hub benchmarks (`HubBench.swift`).
// `ektp-bench sync`: the station–hub link with real processes (`SyncBench.swift`).
// `ektp-bench cups`: the CUPS driver path against plain `lp` (`CUPSBench.swift`).
// `ektp-bench soak`: ektpd through a compressed day, its memory (`SoakBench.swift`). Each figure
// comes with a baseline measured in the same run.

func say(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

let usage = """
    Pemakaian: ektp-bench [PERINTAH] [PILIHAN]

      (tanpa perintah)        rendering, pipeline stasiun, mulai dan memori ektpd
                              --skip-render melewati rendering; EKTP_BENCH_JOBS (bawaan 1000) dan
                              EKTP_BENCH_QUEUED (bawaan 100000) mengatur ukuran
      hub [backlog|country]   hub: backlog Kabupaten Bekasi dan 7.285 stasiun se-Indonesia
                              (EKTP_BENCH_POSTGRES=HOST:PORT:USER menambah PostgreSQL);
                              --jobs N (backlog lebih kecil), --backend sqlite|postgres,
                              --senders N (berkas intake sekaligus, bawaan 2),
                              --json (angka backlog sebagai JSON: jobsPerSecond,
                              floorJobsPerSecond, ratio)
      hub scale               backlog lewat 1 proses hub lalu 3 proses di belakang HAProxy
                              (PostgreSQL saja)
      sync                    jalur stasiun–hub dengan proses sungguhan
      soak                    ektpd melewati satu hari kantor (EKTP_BENCH_SOAK_MINUTES, bawaan 6):
                              RSS awal dan akhir, pertumbuhan per jam, dibanding ektpd diam
      cups                    driver CUPS dibanding lp pada antrean yang sama (cupsd pribadi;
                              root); EKTP_CUPS_BENCH_CARDS (bawaan 20)

    Setiap angka disertai pembanding yang diukur dalam jalankan yang sama. Bangun dengan
    `swift build -c release` dulu; `make bench`, `make bench-hub`, `make bench-sync` dan `make bench-cups`
    menjalankannya.

    """
let arguments = CommandLine.arguments
if arguments.contains("--help") || arguments.contains("-h") || arguments.dropFirst().first == "help" {
    say(usage)
} else if let first = arguments.dropFirst().first, !["hub", "sync", "cups", "soak"].contains(first), !first.hasPrefix("--") {
    FileHandle.standardError.write(Data("ektp-bench: perintah \"\(first)\" tidak dikenal\n\n\(usage)".utf8))
    exit(64)
} else if arguments.dropFirst().first == "hub" {
    try await HubBench.run(Array(arguments.dropFirst(2)))
} else if arguments.dropFirst().first == "cups" {
    try await CUPSBench.run(Array(arguments.dropFirst(2)))
} else if arguments.dropFirst().first == "soak" {
    try await SoakBench.run(Array(arguments.dropFirst(2)))
} else if arguments.dropFirst().first == "sync" {
    try await SyncBench.run(Array(arguments.dropFirst(2)))
} else {
    try await StationBench.run(arguments)
}
