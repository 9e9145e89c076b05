// A null P4Runtime target for bench/p4runtime.mjs: answers every Write OK without decoding it and
// makes every StreamChannel primary, so the benchmark measures the client side (batcher, encoding,
// gRPC) alone. Prints "P4Runtime listening on ADDR"; stops on SIGTERM.
import * as grpc from "@grpc/grpc-js";

const raw = (b) => b;
const empty = () => Buffer.alloc(0);
const def = (name, requestStream, responseStream) => ({
  path: `/p4.v1.P4Runtime/${name}`,
  requestStream,
  responseStream,
  requestSerialize: raw,
  requestDeserialize: raw,
  responseSerialize: (b) => b,
  responseDeserialize: raw,
});
// StreamMessageResponse{arbitration{device_id 0, election_id{low 1}, status{code 0}}}, hand-encoded:
// field 1 (arbitration) len 6: field 3 (election_id) len 2 {field 2 = 1}, field 4 (status) len 0.
const ARBITRATION = Buffer.from([0x0a, 0x06, 0x1a, 0x02, 0x10, 0x01, 0x22, 0x00]);
const server = new grpc.Server({ "grpc.max_receive_message_length": 256 * 1024 * 1024 });
server.addService(
  {
    Write: def("Write", false, false),
    SetForwardingPipelineConfig: def("SetForwardingPipelineConfig", false, false),
    StreamChannel: def("StreamChannel", true, true),
  },
  {
    Write: (_call, cb) => cb(null, empty()),
    SetForwardingPipelineConfig: (_call, cb) => cb(null, empty()),
    StreamChannel: (s) => {
      s.on("data", () => s.write(ARBITRATION));
      s.on("end", () => s.end());
      s.on("error", () => {});
    },
  },
);
server.bindAsync(process.argv[2] ?? "127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  console.log(`P4Runtime listening on 127.0.0.1:${port}`);
});
process.once("SIGTERM", () => server.forceShutdown());
