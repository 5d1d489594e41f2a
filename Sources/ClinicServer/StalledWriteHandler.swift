import NIOCore

/// Closes a connection whose client has stopped reading: while the socket stays unwritable for
/// `limit` (a 20 MiB download to a reader that takes nothing), the connection is dropped. With
/// streamed files a slow reader holds one chunk of memory, not the file; this bounds how long.
final class StalledWriteHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny

    let limit: TimeAmount
    private var scheduledClose: Scheduled<Void>?

    init(limit: TimeAmount) {
        self.limit = limit
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            scheduledClose?.cancel()
            scheduledClose = nil
        } else if scheduledClose == nil {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            scheduledClose = context.eventLoop.scheduleTask(in: limit) {
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
