// The Go binding of libcoinjecture_core. Its one package is .../bindings/go/coinjecture (this module's
// coinjecture/ directory); releases are tagged bindings/go/vX.Y.Z with the project's version.
module github.com/coinjecture/coinjecture-c/bindings/go

go 1.19
