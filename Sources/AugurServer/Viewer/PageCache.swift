import AugurPipeline
import Synchronization

/// A rendered page kept until the store changes: the summary page bootstraps every method ×
/// scorer cell and draws every score, too slow to redo per request on a large run.
final class PageCache: Sendable {
    private let entry = Mutex<(version: String, html: String)?>(nil)

    /// The page for the store's current ``RunStore/contentVersion()``, rendering it with `render`
    /// only when the store changed since the last render.
    func page(store: RunStore, render: () throws -> String) throws -> String {
        let version = try store.contentVersion()
        if let hit = entry.withLock({ $0 }), hit.version == version { return hit.html }
        let html = try render()
        entry.withLock { $0 = (version, html) }
        return html
    }
}
