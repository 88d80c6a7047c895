import Testing
@testable import TensorEngine

/// `Ops.spec(name)`, the lookup every op request makes, against the catalogue it is built from.
struct CatalogueLookupTests {
    @Test func opNamesAreUnique() {
        #expect(Set(Ops.all.map(\.name)).count == Ops.all.count)
    }

    @Test func everyOpIsFoundByItsName() {
        for spec in Ops.all { #expect(Ops.spec(spec.name) === spec, "\(spec.name)") }
    }

    @Test func otherNamesAreNotFound() {
        for name in ["", "ad", "addd", "ADD", "add ", "mat mul", "café", "a\u{301}dd"] { #expect(Ops.spec(name) == nil, "\(name)") }
    }
}
