module github.com/coinjecture/coinjecture-c/bindings/go/coinjecture

go 1.19
