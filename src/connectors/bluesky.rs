//! Bluesky connector — placeholder until it is written; refuses to connect.

use async_trait::async_trait;

use crate::model::Platform;
use crate::sync::{
    Connector, ConnectorConfig, ConnectorError, Cursors, Http, Me, Outgoing, Page, Sent,
};

pub struct Bluesky {
    http: Http,
}

impl Bluesky {
    pub fn new(cfg: ConnectorConfig) -> Result<Self, ConnectorError> {
        let _ = cfg.http;
        Err(ConnectorError::Config(
            "this connector is not written yet".into(),
        ))
    }
}

#[async_trait]
impl Connector for Bluesky {
    fn platform(&self) -> Platform {
        Platform::Bluesky
    }
    fn http(&self) -> &Http {
        &self.http
    }
    async fn whoami(&self) -> Result<Me, ConnectorError> {
        Err(ConnectorError::Config("not written".into()))
    }
    async fn next_page(&self, _cursors: &Cursors) -> Result<Page, ConnectorError> {
        Err(ConnectorError::Config("not written".into()))
    }
    async fn send(&self, _item: &Outgoing) -> Result<Sent, ConnectorError> {
        Err(ConnectorError::Config("not written".into()))
    }
}
