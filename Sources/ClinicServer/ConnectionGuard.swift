import NIOCore

/// Per-connection limits against slow clients, added to every HTTP/1 connection.
///
/// A client that stops reading is dropped once its socket has stayed unwritable for `stallLimit`.
/// And the kernel's send buffer is capped: a response body is produced on the cooperative pool
/// faster than the event loop writes it, and until the kernel refuses a write (EAGAIN) nothing
/// tells the producer to wait, so what it queues meanwhile grows with the send buffer (Linux
/// autotunes it up to 4 MiB: a non-reading client of a 20 MiB document held 2-4 MiB of the
/// server's memory; with 128 KiB, under 1 MiB).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny

    static let sendBufferBytes = 128 * 1024

    let stallLimit: TimeAmount
    private var scheduledClose: Scheduled<Void>?

    init(stallLimit: TimeAmount) {
        self.stallLimit = stallLimit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        try? context.channel.syncOptions?.setOption(ChannelOptions.socketOption(.so_sndbuf), value: SocketOptionValue(Self.sendBufferBytes))
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            scheduledClose?.cancel()
            scheduledClose = nil
        } else if scheduledClose == nil {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            scheduledClose = context.eventLoop.scheduleTask(in: stallLimit) {
                loopBound.value.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        scheduledClose?.cancel()
        scheduledClose = nil
    }
}
