package io.kvkit.server.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One RESP connection of the {@link RespEndpoint}. Every field is owned by the connection's event
 * loop; replies completed on other threads are handed to it.
 *
 * <ul>
 *   <li><b>Order.</b> RESP has no request ids, so replies go out in command order: each command
 *   takes a slot at the tail of a queue when it starts; a reply fills its slot, and the filled
 *   slots at the head are written.</li>
 *   <li><b>Effects in order, per key.</b> A command starts once the connection's earlier
 *   commands on any of its keys have finished (see {@link #ordering}); commands on other keys
 *   run concurrently, which is what makes a pipeline fast over Raft.</li>
 *   <li><b>Bounded memory.</b> At most {@code maxInFlightPerConnection} slots (commands executing
 *   or answered and waiting for an earlier one); at the bound, or while the socket's outbound
 *   buffer is over its high-water mark (a client that does not read), the socket is no longer
 *   read. Commands decoded from the read that was under way wait unstarted (one read buffer's
 *   worth at most).</li>
 *   <li><b>Flushes.</b> Replies are flushed once per event-loop turn, so a pipeline of replies
 *   costs one {@code write} system call, not one each.</li>
 *   <li><b>Bad input</b> ({@link RespProtocolError}) and QUIT: the replies owed for earlier
 *   commands are written, then {@code -ERR Protocol error: ...} (or {@code +OK}), then the
 *   connection is closed; nothing after them is read. If the earlier commands take longer than
 *   {@link #CLOSE_GRACE_MILLIS}, the connection is closed anyway.</li>
 * </ul>
 */
final class RespConnection extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(RespConnection.class);
    static final long CLOSE_GRACE_MILLIS = 2000;
    private static final AtomicLong CLIENT_IDS = new AtomicLong();

    /** A reply's place in the order. */
    private static final class Slot {
        RespReply reply;
        boolean closeAfter;
        /** Completes with the reply (null until the command starts). */
        CompletableFuture<RespReply> future;
        List<ByteBuffer> keys = List.of();
    }

    /** Commands that look at every key: they wait for every earlier command, and later ones wait for them. */
    private static final Set<String> BARRIERS = Set.of("scan", "dbsize", "info");

    private final RespEndpointOptions options;
    private final RespCommands commands;
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    /** The last started and unfinished command of each key, for per-key order. */
    private final HashMap<ByteBuffer, CompletableFuture<RespReply>> lastByKey = new HashMap<>();
    private CompletableFuture<RespReply> lastBarrier;
    private final Runnable flushTask = this::flush;
    private Channel channel;
    private EventLoop loop;
    private RespClient client;
    private boolean inputEnded;
    private boolean closing;
    private boolean pumping;
    private boolean pumpAgain;
    private boolean flushScheduled;

    RespConnection(RespEndpointOptions options, RespCommands commands) {
        this.options = options;
        this.commands = commands;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        loop = channel.eventLoop();
        client = new RespClient(CLIENT_IDS.incrementAndGet(), loop, RespSession.random());
        commands.counters.connectedClients.incrementAndGet();
        commands.counters.connectionsReceived.increment();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        commands.counters.connectedClients.decrementAndGet();
        client.closed = true;
        closing = true;
        waiting.clear();
        slots.clear();
        lastByKey.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) { // not ours (the decoder emits commands and errors only)
            b.release();
            return;
        }
        if (inputEnded || closing) {
            return;
        }
        if (msg instanceof RespProtocolError e) {
            commands.counters.protocolErrors.increment();
            LOG.warn("closing the RESP connection from {}: protocol error: {}", channel.remoteAddress(), e.what());
            endInput();
        } else {
            @SuppressWarnings("unchecked") List<byte[]> args = (List<byte[]>) msg;
            if (RespCommands.lower(args.getFirst()).equals("quit")) {
                endInput();
            }
        }
        waiting.add(msg);
        pump();
    }

    /** Nothing after this message is read: a protocol error or QUIT ends the connection once answered. */
    private void endInput() {
        inputEnded = true;
        channel.config().setAutoRead(false);
        loop.schedule(() -> {
            if (channel.isActive()) {
                LOG.debug("closing the RESP connection from {}: earlier commands still unanswered after {} ms",
                        channel.remoteAddress(), CLOSE_GRACE_MILLIS);
                closing = true;
                channel.close();
            }
        }, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Writes the replies at the head that are ready, starts waiting commands while there is room; not re-entered. */
    private void pump() {
        if (pumping) {
            pumpAgain = true;
            return;
        }
        pumping = true;
        try {
            do {
                pumpAgain = false;
                while (!closing && !slots.isEmpty() && slots.peekFirst().reply != null) {
                    Slot s = slots.pollFirst();
                    write(s.reply);
                    if (s.closeAfter) {
                        closing = true;
                        channel.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                        return;
                    }
                }
                while (!closing && !waiting.isEmpty() && slots.size() < options.maxInFlightPerConnection() && channel.isWritable()) {
                    start(waiting.poll());
                }
            } while (pumpAgain && !closing);
        } finally {
            pumping = false;
        }
        updateReading();
    }

    private void start(Object msg) {
        Slot slot = new Slot();
        slots.addLast(slot);
        if (msg instanceof RespProtocolError e) {
            slot.closeAfter = true;
            filled(slot, RespReply.error("ERR Protocol error: " + e.what()));
            return;
        }
        @SuppressWarnings("unchecked") List<byte[]> args = (List<byte[]>) msg;
        String name = RespCommands.lower(args.getFirst());
        if (name.equals("quit")) {
            slot.closeAfter = true;
            filled(slot, RespReply.OK);
            return;
        }
        CompletableFuture<?> before = ordering(slot, name, args);
        CompletableFuture<RespReply> reply = before == null ? commands.execute(client, args)
                : before.handle((v, e) -> null).thenComposeAsync(v -> commands.execute(client, args), loop);
        slot.future = reply;
        if (BARRIERS.contains(name)) {
            lastBarrier = reply;
        }
        for (ByteBuffer k : slot.keys) {
            lastByKey.put(k, reply);
        }
        reply.whenComplete((r, err) -> {
            RespReply out = err != null ? RespReply.error("ERR INTERNAL: " + err) : r;
            if (loop.inEventLoop()) {
                finished(slot, out);
            } else {
                try {
                    loop.execute(() -> finished(slot, out));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // the endpoint is closed: nobody to answer
                }
            }
        });
    }

    /**
     * What the command must wait for, so that a connection's commands take effect in order as
     * they do in Redis (a pipelined SET then GET of a key reads the SET; pipelined INCRs count in
     * order): the last unfinished command of each of its keys, and the last unfinished
     * whole-keyspace command (SCAN, DBSIZE, INFO), which itself waits for every earlier command.
     * Commands on different keys run concurrently. Null: nothing to wait for.
     */
    private CompletableFuture<?> ordering(Slot slot, String name, List<byte[]> args) {
        List<CompletableFuture<?>> deps = new ArrayList<>();
        if (lastBarrier != null && !lastBarrier.isDone()) {
            deps.add(lastBarrier);
        }
        if (BARRIERS.contains(name)) {
            for (Slot s : slots) {
                if (s.future != null && !s.future.isDone()) {
                    deps.add(s.future);
                }
            }
        } else {
            RespCommandSpec spec = RespCommandSpec.ALL.get(name);
            if (spec != null && spec.firstKey() > 0 && spec.arityAccepts(args.size())) {
                int last = spec.lastKey() < 0 ? args.size() + spec.lastKey() : Math.min(spec.lastKey(), args.size() - 1);
                List<ByteBuffer> keys = new ArrayList<>();
                for (int i = spec.firstKey(); i <= last; i += spec.step()) {
                    ByteBuffer k = ByteBuffer.wrap(args.get(i));
                    keys.add(k);
                    CompletableFuture<RespReply> previous = lastByKey.get(k);
                    if (previous != null && !previous.isDone()) {
                        deps.add(previous);
                    }
                }
                slot.keys = keys;
            }
        }
        return switch (deps.size()) {
            case 0 -> null;
            case 1 -> deps.getFirst();
            default -> CompletableFuture.allOf(deps.toArray(CompletableFuture[]::new));
        };
    }

    private void finished(Slot slot, RespReply reply) {
        for (ByteBuffer k : slot.keys) {
            lastByKey.remove(k, slot.future);
        }
        if (lastBarrier == slot.future) {
            lastBarrier = null;
        }
        filled(slot, reply);
    }

    private void filled(Slot slot, RespReply reply) {
        slot.reply = reply;
        if (!closing) {
            pump();
        }
    }

    private void updateReading() {
        boolean read = !closing && !inputEnded && waiting.isEmpty() && slots.size() < options.maxInFlightPerConnection()
                && channel.isWritable();
        if (channel.config().isAutoRead() != read) {
            channel.config().setAutoRead(read);
        }
    }

    private void write(RespReply reply) {
        ByteBuf out = channel.alloc().ioBuffer();
        try {
            reply.encode(out);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
        channel.write(out, channel.voidPromise());
        if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    private void flush() {
        flushScheduled = false;
        if (channel.isActive()) {
            channel.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!closing) {
            pump();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // resets and the like (the decoder reports bad input as a message, not an exception)
        LOG.debug("RESP connection from {} failed", ctx.channel().remoteAddress(), cause);
        closing = true;
        ctx.close();
    }
}
