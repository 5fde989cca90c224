import CabinetTOTP
import Foundation
import QRCode
import Testing

private let uri = TOTP(secret: Array("12345678901234567890".utf8))
    .otpauthURI(issuer: "Cabinet Dr Fictif", account: "cmartin")

private let qrencodeTool = "/usr/bin/qrencode"

@Suite("QR code")
struct QRCodeTests {
    @Test("an otpauth URI gives a square matrix of 21 + 4k modules")
    func square() throws {
        let matrix = try #require(QRMatrix.encode(uri))
        #expect(matrix.size >= 21)
        #expect((matrix.size - 21) % 4 == 0)
        #expect(matrix.modules.count == matrix.size)
        #expect(matrix.modules.allSatisfy { $0.count == matrix.size })
    }

    @Test("finder patterns sit at the top-left, top-right and bottom-left corners")
    func finderPatterns() throws {
        let matrix = try #require(QRMatrix.encode(uri))
        let far = matrix.size - 7
        for (top, left) in [(0, 0), (0, far), (far, 0)] {
            for row in 0..<7 {
                for column in 0..<7 {
                    let border = row == 0 || row == 6 || column == 0 || column == 6
                    let centre = (2...4).contains(row) && (2...4).contains(column)
                    #expect(matrix.modules[top + row][left + column] == (border || centre),
                            "finder at (\(top), \(left)), module (\(row), \(column))")
                }
            }
        }
        // The bottom-right corner has no finder (its top-left module is not part of one).
        let bottomRight = (0..<7).allSatisfy { row in
            (0..<7).allSatisfy { column in
                let border = row == 0 || row == 6 || column == 0 || column == 6
                let centre = (2...4).contains(row) && (2...4).contains(column)
                return matrix.modules[far + row][far + column] == (border || centre)
            }
        }
        #expect(!bottomRight)
    }

    @Test("empty text and text with a NUL give nil")
    func refusedText() {
        #expect(QRMatrix.encode("") == nil)
        #expect(QRMatrix.encode("otpauth\0://") == nil)
    }

    @Test("text too long for any version gives nil")
    func tooLong() {
        #expect(QRMatrix.encode(String(repeating: "é", count: 4000)) == nil)
    }

    @Test("terminal lines: count, width, and the drawing decodes back to the matrix",
          arguments: [0, 1, 2, 4], [false, true])
    func terminalLines(quietZone: Int, inverted: Bool) throws {
        let matrix = try #require(QRMatrix.encode(uri))
        let side = matrix.size + 2 * quietZone
        let lines = matrix.terminalLines(quietZone: quietZone, inverted: inverted)
        #expect(lines.count == (side + 1) / 2)
        #expect(lines.allSatisfy { $0.count == side && $0.unicodeScalars.count == side })

        for (index, line) in lines.enumerated() {
            for (column, character) in line.enumerated() {
                let (upper, lower): (Bool, Bool) = switch character {
                case "\u{2588}": (true, true)
                case "\u{2580}": (true, false)
                case "\u{2584}": (false, true)
                case " ": (false, false)
                default: (false, false)
                }
                #expect("\u{2588}\u{2580}\u{2584} ".contains(character))
                #expect(upper == expectedInk(matrix, row: 2 * index, column: column, quietZone: quietZone, inverted: inverted))
                if 2 * index + 1 < side {
                    #expect(lower == expectedInk(matrix, row: 2 * index + 1, column: column, quietZone: quietZone, inverted: inverted))
                } else {
                    #expect(!lower, "the half line below the drawing stays blank")
                }
            }
        }
    }

    @Test("by default light modules are blocks: the quiet zone is a full block line")
    func defaultInversion() throws {
        let matrix = try #require(QRMatrix.encode(uri))
        let lines = matrix.terminalLines()
        let side = matrix.size + 4
        #expect(lines.first == String(repeating: "\u{2588}", count: side))
        let inverted = matrix.terminalLines(inverted: true)
        #expect(inverted.first == String(repeating: " ", count: side))
        // The second line shows drawing rows 2 and 3, the top-left finder's
        // first two rows: quiet zone in columns 0–1 (light over light), then
        // the finder's left edge (dark over dark), then its top edge over its
        // light ring (dark over light).
        let second = Array(lines[1])
        #expect(second[0] == "\u{2588}" && second[1] == "\u{2588}")
        #expect(second[2] == " ")
        #expect(second[3] == "\u{2584}")
    }

    @Test("ASCII lines: count, width, and the drawing decodes back to the matrix",
          arguments: [0, 2, 4], [false, true])
    func asciiLines(quietZone: Int, inverted: Bool) throws {
        let matrix = try #require(QRMatrix.encode(uri))
        let side = matrix.size + 2 * quietZone
        let lines = matrix.asciiLines(quietZone: quietZone, inverted: inverted)
        #expect(lines.count == side)
        #expect(lines.allSatisfy { $0.count == 2 * side })
        for (row, line) in lines.enumerated() {
            let cells = Array(line)
            for column in 0..<side {
                let pair = String(cells[(2 * column)...(2 * column + 1)])
                #expect(pair == "##" || pair == "  ")
                #expect((pair == "##") == expectedInk(matrix, row: row, column: column, quietZone: quietZone, inverted: inverted))
            }
        }
    }

    @Test("the matrix matches the qrencode command-line tool",
          .enabled(if: FileManager.default.isExecutableFile(atPath: qrencodeTool),
                   "the qrencode tool is not installed (Debian package qrencode)"))
    func matchesQrencodeTool() throws {
        for text in [uri, "hello", "HELLO WORLD 0123456789", "otpauth://totp/Cabinet:élise?secret=MZXW6YTBOI"] {
            let matrix = try #require(QRMatrix.encode(text))
            // No -8: with it the tool calls QRcode_encodeString8bit, which forces
            // byte mode throughout; without it, it calls QRcode_encodeString with
            // hint QR_MODE_8 and case sensitivity, exactly like QRMatrix.encode.
            let output = try run(qrencodeTool, ["-t", "ASCII", "-m", "0", "-l", "M", text])
            let rows = output.split(separator: "\n", omittingEmptySubsequences: true).map { line in
                // The tool draws each module two characters wide.
                stride(from: 0, to: line.count, by: 2).map { Array(line)[$0] == "#" }
            }
            #expect(rows == matrix.modules, "\(text)")
        }
    }
}

/// Whether a position of the drawing (quiet zone included) should be inked.
private func expectedInk(_ matrix: QRMatrix, row: Int, column: Int, quietZone: Int, inverted: Bool) -> Bool {
    let inside = (quietZone..<(quietZone + matrix.size)).contains(row)
        && (quietZone..<(quietZone + matrix.size)).contains(column)
    let dark = inside && matrix.modules[row - quietZone][column - quietZone]
    return inverted ? dark : !dark
}

private func run(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return String(decoding: data, as: UTF8.self)
}
