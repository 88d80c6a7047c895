import Foundation
import HTTPServer

// The dashboard: static HTML, CSS and JavaScript shipped as resources of this module, plus
// Chart.js from where Debian's libjs-chart.js puts it. The pages hold no data (the scripts
// fetch it from the API with the user's token), so they are served without authentication.
extension TensorService {
    /// The dashboard's files by name, read once from the module's resources.
    static let dashboardFiles: [String: [UInt8]] = {
        guard let dir = Bundle.module.url(forResource: "dashboard", withExtension: nil),
              let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [:] }
        var files: [String: [UInt8]] = [:]
        for name in names {
            if let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) { files[name] = Array(data) }
        }
        return files
    }()

    static func contentType(_ name: String) -> String {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        default: "application/octet-stream"
        }
    }

    func addDashboardRoutes() {
        // Every page is the same document; its script reads the URL (/ui/jobs/{id}, …).
        let page: @Sendable (Request, PathParameters) throws -> Response = { _, _ in try Self.dashboardFile("index.html") }
        add(.get, "/", open: true, page)
        add(.get, "/ui/jobs/{id}", open: true, page)
        add(.get, "/ui/sweeps/{id}", open: true, page)
        add(.get, "/ui/compare", open: true, page)
        add(.get, "/ui/assets/{file}", open: true) { _, params in try Self.dashboardFile(params["file"] ?? "") }
        add(.get, "/ui/vendor/chart.js", open: true) { [unowned self] _, _ in
            guard let data = FileManager.default.contents(atPath: configuration.chartJSPath) else {
                throw Problem.notFound("Chart.js is not at \(configuration.chartJSPath): install Debian's libjs-chart.js (scripts/install-deps.sh) or pass --chart-js")
            }
            return Response(headers: ["Content-Type": Self.contentType("chart.js"), "Cache-Control": "max-age=3600"], body: Array(data))
        }
    }

    private static func dashboardFile(_ name: String) throws -> Response {
        // Only the files shipped are served: the name is a key of the table, never a path.
        guard let body = dashboardFiles[name] else { throw Problem.notFound("no dashboard file '\(name)'") }
        return Response(headers: ["Content-Type": contentType(name), "Cache-Control": "no-cache"], body: body)
    }
}
