module cgo-original

go 1.19
