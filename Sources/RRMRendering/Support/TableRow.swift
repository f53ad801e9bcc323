import Foundation

/// One row of a plain-text table: each cell padded to its column's width, trailing spaces trimmed.
func tableRow(_ cells: [String], _ widths: [Int]) -> String {
    zip(cells, widths).map { cell, width in cell.count >= width ? cell : cell + String(repeating: " ", count: width - cell.count) }
        .joined(separator: " ").trimmingCharacters(in: .whitespaces)
}
