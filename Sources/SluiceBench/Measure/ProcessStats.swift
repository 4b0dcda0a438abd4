import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the operating system says a process uses (Linux `/proc`), so a benchmark reports the server's
/// memory and CPU, and its own CPU, from outside the server.
public enum ProcessStats {
    /// Resident memory of a process (`VmRSS`), in bytes.
    public static func residentBytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
    }

    /// Resident memory of several processes together (a server made of several, like nginx or Pushpin).
    public static func residentBytes(_ pids: [Int32]) -> Int? {
        guard !pids.isEmpty else { return nil }
        var total = 0
        for pid in pids {
            guard let bytes = residentBytes(pid) else { return nil }
            total += bytes
        }
        return total
    }

    /// CPU time (user + system) a process has used, in seconds, from `/proc/PID/stat`.
    public static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name, which may itself hold spaces: state is 3rd, utime 14th, stime 15th.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    public static func cpuSeconds(_ pids: [Int32]) -> Double? {
        guard !pids.isEmpty else { return nil }
        var total = 0.0
        for pid in pids {
            guard let seconds = cpuSeconds(pid) else { return nil }
            total += seconds
        }
        return total
    }

    /// CPU time this process has used (user + system), in seconds.
    public static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Wall-clock time now, in nanoseconds since 1970: the clock publish markers carry, so that a receiver
    /// in another process can subtract them.
    @inline(__always)
    public static func wallNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
