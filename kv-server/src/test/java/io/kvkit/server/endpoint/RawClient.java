package io.kvkit.server.endpoint;

import com.google.protobuf.ByteString;
import io.kvkit.client.proto.GetRequest;
import io.kvkit.client.proto.HelloRequest;
import io.kvkit.client.proto.Request;
import io.kvkit.client.proto.Response;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A blocking client on a plain socket, for writing exactly the bytes a test wants. Reads time out after 10 s. */
final class RawClient implements AutoCloseable {
    final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;

    RawClient(InetSocketAddress address) throws IOException {
        this(address, 0);
    }

    /** {@code receiveBufferBytes} > 0 makes a small receive window (for a client that does not read). */
    RawClient(InetSocketAddress address, int receiveBufferBytes) throws IOException {
        socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.setTcpNoDelay(true);
        socket.connect(address, 5000);
        socket.setSoTimeout(10_000);
        out = new DataOutputStream(socket.getOutputStream());
        in = new DataInputStream(socket.getInputStream());
    }

    void send(Request r) throws IOException {
        byte[] body = r.toByteArray();
        out.writeInt(body.length);
        out.write(body);
        out.flush();
    }

    void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next response, or null when the server closed the connection. */
    Response read() throws IOException {
        int length;
        try {
            length = in.readInt();
        } catch (EOFException | SocketException e) {
            return null;
        }
        byte[] body = new byte[length];
        in.readFully(body);
        return Response.parseFrom(body);
    }

    /** True when the server closes the connection within the read timeout (skipping any responses). */
    boolean closedByServer() throws IOException {
        InputStream raw = socket.getInputStream();
        byte[] skip = new byte[8192];
        try {
            while (true) {
                if (raw.read(skip) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    Response hello(long id) throws IOException {
        send(Request.newBuilder().setRequestId(id).setHello(HelloRequest.newBuilder().setProtocolVersion(1).setClientName("raw")).build());
        return read();
    }

    static Request get(long id, String key) {
        return Request.newBuilder().setRequestId(id).setGet(GetRequest.newBuilder().setKey(ByteString.copyFrom(key, StandardCharsets.UTF_8)))
                .build();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
