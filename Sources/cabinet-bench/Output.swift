import Foundation

/// The bench's output: figures on stdout, progress and errors on stderr.
enum Term {
    static func out(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }
    static func err(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
    /// Progress rewritten in place on a terminal, a line each otherwise.
    static func errInline(_ s: String) {
        FileHandle.standardError.write(Data((isatty(STDERR_FILENO) != 0 ? "\r\u{1B}[K" + s : s + "\n").utf8))
    }
}
