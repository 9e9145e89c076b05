// gRPC method definitions for grpc-js built from the generated static protobuf codecs, so
// the sim serves real P4Runtime and bmv2 dataplane services without reflection. Pure
// descriptions; never opens sockets.
import type * as grpc from "@grpc/grpc-js";

interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

export function method<Req, Res>(
  path: string,
  requestStream: boolean,
  responseStream: boolean,
  req: Codec<Req>,
  res: Codec<Res>,
): grpc.MethodDefinition<Req, Res> {
  return {
    path,
    requestStream,
    responseStream,
    requestSerialize: (m: Req) => Buffer.from(req.encode(m).finish()),
    // A plain Uint8Array view decodes faster than a Buffer (protobufjs then slices with
    // subarray instead of Buffer#slice); bytes fields are views into the request.
    requestDeserialize: (b: Buffer) => req.decode(new Uint8Array(b.buffer, b.byteOffset, b.length)),
    responseSerialize: (m: Res) => Buffer.from(res.encode(m).finish()),
    responseDeserialize: (b: Buffer) => res.decode(b),
  };
}

/** A codec whose value is already-encoded bytes (for answers built by hand). */
export const preEncoded: Codec<Uint8Array> = {
  encode: (m) => ({ finish: () => m }),
  decode: (b) => b,
};
