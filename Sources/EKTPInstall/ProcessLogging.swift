import Foundation
import Logging

/// Logging for the daemons and commands: to standard error at `EKTP_LOG_LEVEL` (default
/// `info`). Under systemd (`JOURNAL_STREAM` set) each line starts with its syslog priority
/// (`<4>` for a warning), which journald reads as the entry's priority, so `journalctl -p
/// warning` shows the printer errors and nothing else.
public enum ProcessLogging {
    public static func bootstrap() {
        let level = ProcessInfo.processInfo.environment["EKTP_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let journal = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil
        LoggingSystem.bootstrap { label in
            if journal { return JournalLogHandler(label: label, logLevel: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// The syslog priority journald gives a level.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}

/// One line per entry, `<priority>label: message key=value`, to standard error; journald
/// adds the time and the unit.
struct JournalLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    private static let lock = NSLock()

    init(label: String, logLevel: Logger.Level) {
        self.label = label
        self.logLevel = logLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        // One entry is one line: a newline inside a message would start a new entry.
        let text = "\(event.message)".replacingOccurrences(of: "\n", with: " ⏎ ")
        let line = "<\(ProcessLogging.priority(event.level))>\(label): \(text)\(fields)\n"
        Self.lock.lock()
        defer { Self.lock.unlock() }
        FileHandle.standardError.write(Data(line.utf8))
    }
}
