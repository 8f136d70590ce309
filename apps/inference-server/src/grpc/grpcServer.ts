import * as grpc from '@grpc/grpc-js';
import {
  loadServingProtos,
  predictionService,
  type PredictionServiceOptions,
} from './predictionService.js';

export interface GrpcServerOptions extends PredictionServiceOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Largest request or response message, in bytes. */
  maxMessageBytes: number;
}

export interface GrpcServer {
  port: number;
  /** Stops accepting calls, lets the calls in flight finish, then resolves. */
  close(): Promise<void>;
}

/** TF Serving's gRPC API on its own port, beside the REST API. */
export async function startGrpcServer({
  host,
  port,
  maxMessageBytes,
  ...service
}: GrpcServerOptions): Promise<GrpcServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
  });
  server.addService(loadServingProtos().PredictionService.service, predictionService(service));
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    ),
  );
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) =>
        server.tryShutdown((error) => (error ? reject(error) : resolve())),
      ),
  };
}
