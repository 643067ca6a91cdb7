//! smsmerge: mail-merge for SMS. A workbook of recipients and templates goes in; every row is
//! rendered, checked, sent through the OpenTech HTTP SMS API, and a results
//! workbook comes out with a status for every row.
//!
//! One pipeline, one direction: `book` → `plan` → dispatch → `report`. The stages are public
//! so that tests and benchmarks can drive them without the command line.

pub mod book;
pub mod cli;
pub mod dispatch;
pub mod gateway;
pub mod plan;
pub mod report;
pub mod text;
