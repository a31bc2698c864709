//! A graphql-transport-ws client for the tests: connect, subscribe, read messages with a
//! deadline.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for a message it expects.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// One WebSocket to `/graphql`.
pub struct Ws {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How the server ended a connection.
#[derive(Debug, PartialEq, Eq)]
pub struct Closed {
    pub code: u16,
    pub reason: String,
}

impl Ws {
    /// Opens a WebSocket to `address` (`http://...`) offering graphql-transport-ws, without
    /// `connection_init`.
    pub async fn open(address: &str) -> Self {
        let url = format!("{}/graphql", address.replacen("http", "ws", 1));
        let mut request = url.into_client_request().expect("a WebSocket URL");
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the WebSocket opens");
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            Some("graphql-transport-ws")
        );
        Self { socket }
    }

    /// Opens a WebSocket and initialises it, with `Authorization: Bearer <token>` if given;
    /// waits for the acknowledgement.
    pub async fn connect(address: &str, token: Option<&str>) -> Self {
        let mut ws = Self::open(address).await;
        let payload = token.map_or_else(
            || json!({}),
            |token| json!({ "Authorization": format!("Bearer {token}") }),
        );
        ws.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let ack = ws.next().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        ws
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("the message is sent");
    }

    /// Sends `text` as it is, JSON or not.
    pub async fn send_text(&mut self, text: String) {
        self.socket
            .send(Message::text(text))
            .await
            .expect("the message is sent");
    }

    /// Sends a binary frame.
    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.socket
            .send(Message::binary(bytes))
            .await
            .expect("the message is sent");
    }

    /// Starts an operation.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({
            "type": "subscribe",
            "id": id,
            "payload": { "query": query, "variables": variables },
        }))
        .await;
    }

    /// The next protocol message (pings are answered and skipped); panics on a close or after
    /// [`PATIENCE`].
    pub async fn next(&mut self) -> Value {
        match self.next_within(PATIENCE).await {
            Ok(Some(message)) => message,
            Ok(None) => panic!("no message within {PATIENCE:?}"),
            Err(closed) => panic!("the server closed the connection: {closed:?}"),
        }
    }

    /// The next message within `patience`: `Ok(None)` when none came, `Err` when the server
    /// closed the connection.
    pub async fn next_within(&mut self, patience: Duration) -> Result<Option<Value>, Closed> {
        self.read_within(patience, true).await
    }

    /// As [`Self::next_within`], but pings are returned, not answered: a silent client.
    pub async fn next_raw_within(&mut self, patience: Duration) -> Result<Option<Value>, Closed> {
        self.read_within(patience, false).await
    }

    async fn read_within(
        &mut self,
        patience: Duration,
        answer_pings: bool,
    ) -> Result<Option<Value>, Closed> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let frame = match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return Ok(None),
                Ok(frame) => frame,
            };
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let message: Value =
                        serde_json::from_str(text.as_str()).expect("a JSON message");
                    if answer_pings && message["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Ok(Some(message));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Err(frame.map_or(
                        Closed {
                            code: 1005,
                            reason: String::new(),
                        },
                        |frame| Closed {
                            code: frame.code.into(),
                            reason: frame.reason.to_string(),
                        },
                    ));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    return Err(Closed {
                        code: 1006,
                        reason: "the connection dropped".into(),
                    });
                }
            }
        }
    }

    /// Closes the connection with 1000 (normal) and returns the server's answering close.
    pub async fn close_normally(&mut self) -> Closed {
        self.socket
            .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: 1000.into(),
                reason: "done".into(),
            }))
            .await
            .expect("the close frame is sent");
        self.closed().await
    }

    /// Waits for the server to close the connection and says how.
    pub async fn closed(&mut self) -> Closed {
        loop {
            match self.next_within(PATIENCE).await {
                Err(closed) => return closed,
                Ok(Some(_)) => {}
                Ok(None) => panic!("the server did not close the connection within {PATIENCE:?}"),
            }
        }
    }

    /// The next `next` message's payload for subscription `id`.
    pub async fn event(&mut self, id: &str) -> Value {
        let message = self.next().await;
        assert_eq!(message["type"], "next", "expected an event, got {message}");
        assert_eq!(message["id"], id, "{message}");
        message["payload"].clone()
    }
}
