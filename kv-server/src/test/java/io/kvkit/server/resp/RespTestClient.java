package io.kvkit.server.resp;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw RESP2 client for tests: sends bytes as given and parses replies into Java values —
 * simple strings and bulk strings as {@link String}, integers as {@link Long}, errors as
 * {@link Err}, nulls as null, arrays as {@link List}. Reads time out after 10 s.
 */
final class RespTestClient implements AutoCloseable {
    record Err(String text) {
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RespTestClient(InetSocketAddress address) {
        try {
            socket = new Socket(address.getAddress(), address.getPort());
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] encode(String... words) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] header = ("*" + words.length + "\r\n").getBytes(StandardCharsets.US_ASCII);
        b.writeBytes(header);
        for (String w : words) {
            byte[] bytes = w.getBytes(StandardCharsets.UTF_8);
            b.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(bytes);
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return b.toByteArray();
    }

    /** Sends one command as an array of bulk strings and reads its reply. */
    Object call(String... words) {
        send(encode(words));
        return read();
    }

    void send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void send(String raw) {
        send(raw.getBytes(StandardCharsets.UTF_8));
    }

    Object read() {
        try {
            return value();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True if the server closed the connection (EOF within the read timeout). */
    boolean closedByServer() {
        try {
            socket.setSoTimeout(5_000);
            while (true) {
                int b = in.read();
                if (b < 0) {
                    return true;
                }
            }
        } catch (IOException e) {
            return e.getMessage() != null && e.getMessage().contains("reset");
        }
    }

    private Object value() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("the server closed the connection");
        }
        String line = line();
        return switch (type) {
            case '+' -> line;
            case '-' -> new Err(line);
            case ':' -> Long.parseLong(line);
            case '$' -> {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    yield null;
                }
                byte[] b = in.readNBytes(n);
                if (b.length < n || in.read() != '\r' || in.read() != '\n') {
                    throw new EOFException("truncated bulk string");
                }
                yield new String(b, StandardCharsets.UTF_8);
            }
            case '*' -> {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    yield null;
                }
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(value());
                }
                yield items;
            }
            default -> throw new IOException("not a RESP reply type: " + (char) type);
        };
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the server closed the connection in a reply line");
            }
            if (c == '\r') {
                if (in.read() != '\n') {
                    throw new IOException("CR without LF");
                }
                return b.toString(StandardCharsets.UTF_8);
            }
            b.write(c);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
