import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Per-connection limits against slow clients, added to every HTTP/1 connection.
///
/// A client that stops reading is dropped once its socket has stayed unwritable for `stallLimit`.
/// And the kernel's send buffer is capped: a response body is produced on the cooperative pool
/// faster than the event loop writes it, and until the kernel refuses a write (EAGAIN) nothing
/// tells the producer to wait, so what it queues meanwhile grows with the send buffer (Linux
/// autotunes it up to 4 MiB: a non-reading client of a 20 MiB document held 2-4 MiB of the
/// server's memory; with 128 KiB, under 1 MiB).
///
/// And a request's body must keep coming: a client that sent its headers and then drips its body
/// (a byte every half second never trips the idle timeout) is closed when, over a whole
/// `bodyWindow` in which the server asked for more, less than `minimumBodyBytes` arrived. A window
/// in which the server asked for nothing (it is busy with what it has: back-pressure) counts
/// against nobody.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    /// After `HTTP1ToHTTPServerCodec`: requests arrive as parts.
    typealias InboundIn = HTTPRequestPart
    typealias OutboundIn = NIOAny

    static let sendBufferBytes = 128 * 1024
    /// 16 KiB a window: a 20 MiB upload over a link this slow would take hours; any real link sends it.
    static let minimumBodyBytes = 16 * 1024

    let stallLimit: TimeAmount
    let bodyWindow: TimeAmount
    private var scheduledClose: Scheduled<Void>?
    private var bodyCheck: RepeatedTask?
    private var readingBody = false
    private var bodyBytesThisWindow = 0
    private var readsAskedThisWindow = 0

    init(stallLimit: TimeAmount, bodyWindow: TimeAmount) {
        self.stallLimit = stallLimit
        self.bodyWindow = bodyWindow
    }

    func handlerAdded(context: ChannelHandlerContext) {
        try? context.channel.syncOptions?.setOption(ChannelOptions.socketOption(.so_sndbuf), value: SocketOptionValue(Self.sendBufferBytes))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingBody = true
            bodyBytesThisWindow = 0
            readsAskedThisWindow = 0
            if bodyCheck == nil {
                let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
                bodyCheck = context.eventLoop.scheduleRepeatedTask(initialDelay: bodyWindow, delay: bodyWindow) { _ in
                    loopBound.value.handler.checkBodyRate(context: loopBound.value.context)
                }
            }
        case .body(let chunk):
            bodyBytesThisWindow += chunk.readableBytes
        case .end:
            readingBody = false
        }
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        readsAskedThisWindow += 1
        context.read()
    }

    private func checkBodyRate(context: ChannelHandlerContext) {
        if readingBody, readsAskedThisWindow > 0, bodyBytesThisWindow < Self.minimumBodyBytes {
            context.close(promise: nil)
            return
        }
        bodyBytesThisWindow = 0
        readsAskedThisWindow = 0
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
        bodyCheck?.cancel()
        bodyCheck = nil
    }
}
