import Foundation
import Testing
@testable import TensorService

/// The dashboard's files and the loss-surface endpoint its path plots use.
@Suite(.serialized) struct DashboardTests {
    @Test func servesThePagesTheirScriptsAndChartJSWithoutTheToken() throws {
        let server = try TestServer(token: "s3cret")
        defer { server.stop() }
        for page in ["/", "/ui/jobs/j-1", "/ui/sweeps/s-1", "/ui/compare?jobs=a,b"] {
            let r = try server.request("GET", page)
            #expect(r.status == 200 && r.headers["content-type"] == "text/html; charset=utf-8", "\(page)")
            #expect(r.text.contains("<script src=\"/ui/vendor/chart.js\"></script>"), "\(page)")
        }
        for (file, type) in [("api.js", "text/javascript; charset=utf-8"), ("plots.js", "text/javascript; charset=utf-8"),
                             ("pages.js", "text/javascript; charset=utf-8"), ("style.css", "text/css; charset=utf-8")] {
            let r = try server.request("GET", "/ui/assets/\(file)")
            #expect(r.status == 200 && r.headers["content-type"] == type && !r.body.isEmpty, "\(file)")
        }
        let chart = try server.request("GET", "/ui/vendor/chart.js")
        let installed = try #require(FileManager.default.contents(atPath: server.service.configuration.chartJSPath),
                                     "Chart.js missing: scripts/install-deps.sh installs libjs-chart.js")
        #expect(chart.status == 200 && chart.body == Array(installed))
        #expect(try server.request("GET", "/ui/assets/..%2Fopenapi.yaml").status == 404)
        #expect(try server.request("GET", "/ui/assets/missing.js").status == 404)
        // The pages are open; the data behind them is not.
        #expect(try server.request("GET", "/v1/jobs").status == 401)
    }

    @Test func chartJSOutsideItsPackageIsA404ThatSaysWhatToInstall() throws {
        let server = try TestServer { $0.chartJSPath = "/nonexistent/chart.min.js" }
        defer { server.stop() }
        let r = try server.request("GET", "/ui/vendor/chart.js")
        #expect(r.status == 404 && r.text.contains("libjs-chart.js"))
    }

    /// x² − y² on a 3×3 grid: loss[i][j] = xs[j]² − ys[i]², by hand.
    @Test func surfaceOfATwoScalarObjective() throws {
        let server = try TestServer()
        defer { server.stop() }
        let id = try server.submit(#"{"objective": {"params": {"x": {"shape": [], "data": [1.5]}, "y": {"shape": [], "data": [0.1]}}, "expr": "loss = x ** 2 - y ** 2"}, "optimizer": {"type": "sgd", "lr": 0.1}, "steps": 3}"#)
        let r = try server.request("GET", "/v1/jobs/\(id)/surface?x=-1,1&y=-2,2&n=3")
        #expect(r.status == 200, "\(r.text)")
        let s = try r.json()
        #expect(s["params"] as? [String] == ["x", "y"])
        #expect(s["x"] as? [Double] == [-1, 0, 1] && s["y"] as? [Double] == [-2, 0, 2])
        #expect(s["loss"] as? [[Double]] == [[-3, -4, -3], [1, 0, 1], [-3, -4, -3]])
    }

    /// sum((p − c)²) with c = [1, 0.5] at p = (0, 0), (2, 0), (0, 1), (2, 1).
    @Test func surfaceOfOneTwoElementParameter() throws {
        let server = try TestServer()
        defer { server.stop() }
        let id = try server.submit(JobFixtures.bowl(steps: 2))
        let s = try server.request("GET", "/v1/jobs/\(id)/surface?x=0,2&y=0,1&n=2").json()
        #expect(s["params"] as? [String] == ["p[0]", "p[1]"])
        #expect(s["loss"] as? [[Double]] == [[1.25, 1.25], [1.25, 1.25]])
    }

    @Test func surfaceRefusesWhatItCannotDraw() throws {
        let server = try TestServer { $0.maxSurfacePoints = 100; $0.maxElements = 100_000 }
        defer { server.stop() }
        let bowl = try server.submit(JobFixtures.bowl(steps: 2))
        func code(_ path: String) throws -> (Int, String?) {
            let r = try server.request("GET", path)
            return (r.status, try r.json()["code"] as? String)
        }
        #expect(try code("/v1/jobs/\(bowl)/surface?x=0,1&y=0,1&n=11") == (422, "invalid_argument"), "121 points > 100")
        #expect(try code("/v1/jobs/\(bowl)/surface?x=0,1&y=0,1&n=10").0 == 200)
        #expect(try code("/v1/jobs/\(bowl)/surface?x=1,0&y=0,1") == (422, "invalid_argument"), "an empty interval")
        #expect(try code("/v1/jobs/\(bowl)/surface?x=0,nan&y=0,1") == (422, "invalid_argument"))
        #expect(try code("/v1/jobs/\(bowl)/surface?y=0,1") == (400, "invalid_request"))
        #expect(try code("/v1/jobs/\(bowl)/surface?x=0,1&y=0,1&n=99999999999999999999") == (422, "invalid_argument"))
        let three = try server.submit(#"{"objective": {"params": {"p": {"data": [1.0, 2.0, 3.0]}}, "expr": "loss = sum(p ** 2)"}, "optimizer": {"type": "sgd", "lr": 0.1}, "steps": 2}"#)
        #expect(try code("/v1/jobs/\(three)/surface?x=0,1&y=0,1") == (422, "invalid_argument"))
        #expect(try code("/v1/jobs/j-none/surface?x=0,1&y=0,1").0 == 404)
        // 10 × 10 points of a program over 1,000 constant elements read 100,200 > 100,000 elements.
        let heavy = try server.submit(#"{"objective": {"params": {"p": {"data": [1.0, 2.0]}}, "tensors": {"c": {"shape": [1000], "data": [\#((0..<1000).map { _ in "0.5" }.joined(separator: ","))]}}, "expr": "loss = sum(p ** 2) + sum(c)"}, "optimizer": {"type": "sgd", "lr": 0.1}, "steps": 1}"#)
        #expect(try code("/v1/jobs/\(heavy)/surface?x=0,1&y=0,1&n=10") == (422, "invalid_argument"))
        #expect(try code("/v1/jobs/\(heavy)/surface?x=0,1&y=0,1&n=9").0 == 200)
    }
}
