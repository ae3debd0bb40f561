/// The source as recorded on the batch row.
struct BatchSourceRecord: Encodable {
    var kind: String
    var directory: String?
    var glob: String?
    var files: [String]?
    var query: String?

    init(_ source: BatchSource) {
        kind = source.kind
        switch source {
        case let .directory(path, glob):
            directory = path
            self.glob = glob
        case let .files(paths): files = paths
        case let .query(sql): query = sql
        }
    }
}
