/// Prints rows under a header in aligned columns, as `docker ps` does: each column as
/// wide as its widest cell, two spaces between columns, the last one unpadded.
struct TablePrinter {
    let header: [String]
    var rows: [[String]] = []

    init(_ header: String...) {
        self.header = header
    }

    mutating func add(_ row: String...) {
        rows.append(row)
    }

    /// The table as text, one line per row, header first.
    var text: String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all {
            for (column, cell) in row.enumerated() where column < widths.count {
                widths[column] = max(widths[column], cell.count)
            }
        }
        return all.map { row in
            var line = ""
            for (column, cell) in row.enumerated() {
                if column == row.count - 1 {
                    line += cell
                } else {
                    line += cell + String(repeating: " ", count: widths[column] - cell.count + 2)
                }
            }
            return line
        }.joined(separator: "\n")
    }

    func print() {
        StandardStreams.printLine(text)
    }
}
