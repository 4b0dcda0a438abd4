import NIOCore

extension ChannelHandlerContext {
    /// Closes the connection from this handler once `written` completes, however it completes. The
    /// context is used on its event loop only, where the future's callbacks run (`NIOLoopBound`).
    func close(after written: EventLoopFuture<Void>) {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        written.whenComplete { _ in bound.value.close(promise: nil) }
    }
}
