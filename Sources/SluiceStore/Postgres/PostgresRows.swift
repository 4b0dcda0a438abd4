import PostgresNIO

extension PostgresRandomAccessRow: StoreRow {
    func integer(_ name: String) -> Int64? {
        guard contains(name) else { return nil }
        return try? self[name].decode(Int64?.self) ?? nil
    }

    func text(_ name: String) -> String? {
        guard contains(name) else { return nil }
        return try? self[name].decode(String?.self) ?? nil
    }
}

extension PostgresRowSequence {
    /// Every row, readable by column name.
    func rows() async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in self { rows.append(row.makeRandomAccess()) }
        return rows
    }
}
