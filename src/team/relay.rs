//! Reaching the team's relay: a WebSocket to the automerge-repo sync server in `relay/`,
//! presenting the team's secret as `Authorization: Bearer …` on the upgrade (a header, so the
//! secret stays out of the relay's and proxies' access logs, where a query string would land).
//! Owns: telling a refused secret (the relay answers 401; trying again cannot help) from a
//! relay that cannot be reached now (tried again with backoff).
//! Must never: put the secret in an error or a log line.

use futures::future::BoxFuture;
use futures::{FutureExt, SinkExt, StreamExt, TryStreamExt};
use samod::{DialError, Dialer, Transport, Url};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest, http::HeaderValue};

use crate::platform::Secret;

/// The relay said no to the secret.
#[derive(Debug, thiserror::Error)]
#[error("the relay refused this team's secret (HTTP {status}); ask a teammate for a new join link")]
pub struct Refused {
    pub status: u16,
}

pub struct RelayDialer {
    pub url: Url,
    pub secret: Secret,
}

impl Dialer for RelayDialer {
    type Error = Refused;

    fn url(&self) -> Url {
        self.url.clone()
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Refused>>> {
        let url = self.url.clone();
        let bearer = HeaderValue::from_str(&format!("Bearer {}", self.secret.expose()));
        async move {
            let mut request = url
                .as_str()
                .into_client_request()
                .map_err(DialError::transient)?;
            let mut bearer =
                bearer.map_err(|_| DialError::PermanentFailure(Refused { status: 400 }))?;
            bearer.set_sensitive(true);
            request
                .headers_mut()
                .insert(tungstenite::http::header::AUTHORIZATION, bearer);
            let (socket, _) = match tokio_tungstenite::connect_async(request).await {
                Ok(s) => s,
                Err(tungstenite::Error::Http(response))
                    if matches!(response.status().as_u16(), 401 | 403) =>
                {
                    return Err(DialError::PermanentFailure(Refused {
                        status: response.status().as_u16(),
                    }));
                }
                Err(e) => return Err(DialError::transient(e)),
            };
            let (sink, stream) = socket.split();
            // automerge-repo speaks CBOR in binary frames; pings and the rest are the socket's
            let stream = stream
                .try_filter_map(|m| async move {
                    Ok(match m {
                        tungstenite::Message::Binary(b) => Some(b.to_vec()),
                        _ => None,
                    })
                })
                .boxed();
            let sink = sink.with(|b: Vec<u8>| async move {
                Ok::<_, tungstenite::Error>(tungstenite::Message::Binary(b.into()))
            });
            Ok(Transport::new(stream, Box::pin(sink)))
        }
        .boxed()
    }
}
