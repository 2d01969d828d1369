module github.com/heraldhq/herald/examples/go

go 1.26.0

require (
	connectrpc.com/connect v1.21.1
	github.com/heraldhq/herald/gen/go v0.0.0
	google.golang.org/grpc v1.85.0
	google.golang.org/protobuf v1.36.12
)

require (
	buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go v1.36.12-20260825204119-511051f7f437.2 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
)

// The generated client lives in this repository; outside it, drop this line
// and require a published version instead.
replace github.com/heraldhq/herald/gen/go => ../../gen/go
