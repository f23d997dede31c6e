//! The HTTP/1.1 listener.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use shared::store::Store;
use tokio::net::TcpListener;

use crate::app::App;

/// Serves until the listener fails; each connection on its own task. A
/// client must finish its request headers within `header_timeout`, or the
/// connection is closed: a slow-headers client cannot hold connections open.
pub async fn serve<S: Store + Clone>(
    listener: TcpListener,
    app: Arc<App<S>>,
    header_timeout: Duration,
) -> std::io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        let app = app.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let app = app.clone();
                async move { Ok::<_, Infallible>(crate::gateway::handle(&app, request, peer).await) }
            });
            let mut http = http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(header_timeout);
            if let Err(err) = http.serve_connection(TokioIo::new(stream), service).await {
                tracing::debug!(error = %err, "connection closed with an error");
            }
        });
    }
}
