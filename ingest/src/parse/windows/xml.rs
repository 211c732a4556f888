//! Windows events as XML: one or more `<Event>` elements in a string.
//!
//! ```xml
//! <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>
//! <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{...}"/><EventID>4624</EventID>
//! <Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime="2024-03-14T12:34:56.1234567Z"/>
//! <EventRecordID>2524</EventRecordID><Channel>Security</Channel><Computer>ts1.corp.example</Computer>
//! </System><EventData><Data Name="TargetUserName">alice</Data>...</EventData></Event>
//! ```
//!
//! Event Viewer's "Save as XML" wraps the events in `<Events>...</Events>`,
//! `wevtutil qe /f:xml` writes one `<Event>` after another; both are read by
//! taking each `<Event ...>...</Event>` out of the string and parsing it on
//! its own, so text around the elements (an XML declaration, the `<Events>`
//! wrapper, the `- ` that copying from Internet Explorer's view leaves) is
//! ignored. A string with no `<Event` but only such wrappers gives no events.
//!
//! * `System/Provider/@Name`, `EventID`, `Channel`, `Computer`,
//!   `TimeCreated/@SystemTime`, `EventRecordID` and `Keywords` fill the model;
//! * `EventData/Data` items are named by `@Name`, unnamed ones by the event's
//!   known field order or their position (`0`, `1`, ...);
//! * the leaf elements of `UserData` are named by their element name (the
//!   first of a repeated name wins).
//!
//! DTDs and so entity definitions are refused (roxmltree's default), the
//! string may be at most [`MAX_XML_BYTES`] long and one event at most
//! [`MAX_NODES`] nodes.

use super::{WindowsEvent, parse_keywords, parse_system_time, positional_name, positional_names};

/// The longest string read.
pub const MAX_XML_BYTES: usize = 1 << 20;
/// The most XML nodes of one event.
pub const MAX_NODES: u32 = 20_000;

/// The events in an XML string.
pub fn events_from_xml(text: &str) -> Result<Vec<WindowsEvent>, String> {
    if text.len() > MAX_XML_BYTES {
        return Err(format!(
            "windows xml: expected at most {MAX_XML_BYTES} bytes, found {}",
            text.len()
        ));
    }
    let mut events = Vec::new();
    let mut rest = text;
    while let Some(start) = find_event_start(rest) {
        let Some(after_start) = rest.get(start..) else {
            break;
        };
        let Some(length) = after_start.find("</Event>") else {
            return Err("windows xml: expected `</Event>` after `<Event`".to_string());
        };
        let end = length + "</Event>".len();
        let Some(element) = after_start.get(..end) else {
            break;
        };
        events.push(event_from_element(element)?);
        rest = after_start.get(end..).unwrap_or("");
    }
    if events.is_empty() && !is_only_wrappers(text) {
        return Err("windows xml: expected an `<Event>` element".to_string());
    }
    Ok(events)
}

/// Where the next `<Event` start tag begins (not `<EventData`, `<EventID`, ...).
fn find_event_start(text: &str) -> Option<usize> {
    text.match_indices("<Event")
        .map(|(index, _)| index)
        .find(|&index| {
            let after = text.get(index + "<Event".len()..).unwrap_or("");
            after.starts_with(|character: char| character.is_whitespace() || character == '>')
        })
}

/// Whether the text holds nothing but an XML declaration and the `<Events>` wrapper.
fn is_only_wrappers(text: &str) -> bool {
    let mut rest = text.trim();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return true;
        }
        let Some(after) = rest
            .strip_prefix("<Events>")
            .or_else(|| rest.strip_prefix("</Events>"))
            .or_else(|| rest.strip_prefix("<Events/>"))
        else {
            let Some(declaration) = rest.strip_prefix("<?xml") else {
                return false;
            };
            let Some((_, after)) = declaration.split_once("?>") else {
                return false;
            };
            rest = after;
            continue;
        };
        rest = after;
    }
}

/// Reads one `<Event>...</Event>` element.
fn event_from_element(element: &str) -> Result<WindowsEvent, String> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    let document = roxmltree::Document::parse_with_options(element, options)
        .map_err(|error| format!("windows xml: invalid xml: {error}"))?;
    let root = document.root_element();
    let system = child(root, "System").ok_or("windows xml: expected `<System>`")?;
    let provider = child(system, "Provider")
        .and_then(|node| node.attribute("Name"))
        .unwrap_or("")
        .to_string();
    let event_id = child_text(system, "EventID")
        .and_then(|text| text.trim().parse::<u32>().ok())
        .ok_or("windows xml: expected a numeric `<EventID>`")?;
    let time = child(system, "TimeCreated")
        .and_then(|node| node.attribute("SystemTime"))
        .and_then(parse_system_time)
        .ok_or("windows xml: expected `<TimeCreated SystemTime=...>` with an iso 8601 time")?;
    let mut event = WindowsEvent {
        provider,
        event_id,
        channel: child_text(system, "Channel")
            .unwrap_or("")
            .trim()
            .to_string(),
        computer: child_text(system, "Computer")
            .unwrap_or("")
            .trim()
            .to_string(),
        time,
        record_id: child_text(system, "EventRecordID")
            .and_then(|text| text.trim().parse::<u64>().ok()),
        keywords: child_text(system, "Keywords").and_then(parse_keywords),
        data: Default::default(),
    };
    if let Some(event_data) = child(root, "EventData") {
        read_event_data(event_data, &mut event);
    }
    if let Some(user_data) = child(root, "UserData") {
        read_user_data(user_data, &mut event);
    }
    Ok(event)
}

fn read_event_data(event_data: roxmltree::Node, event: &mut WindowsEvent) {
    let names = positional_names(&event.provider, event.event_id);
    let items = event_data
        .children()
        .filter(|node| node.is_element() && node.tag_name().name() == "Data");
    for (index, item) in items.enumerate() {
        let name = match item.attribute("Name") {
            Some(name) => name.to_string(),
            None => positional_name(names, index),
        };
        event.data.entry(name).or_insert_with(|| text_of(item));
    }
}

/// Names the leaf elements of `UserData` (elements without child elements).
fn read_user_data(user_data: roxmltree::Node, event: &mut WindowsEvent) {
    let leaves = user_data
        .descendants()
        .filter(|node| node.is_element() && *node != user_data)
        .filter(|node| !node.children().any(|child| child.is_element()));
    for leaf in leaves {
        let name = leaf.tag_name().name().to_string();
        event.data.entry(name).or_insert_with(|| text_of(leaf));
    }
}

fn child<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    name: &str,
) -> Option<roxmltree::Node<'a, 'input>> {
    node.children()
        .find(|child| child.is_element() && child.tag_name().name() == name)
}

fn child_text<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(node, name).and_then(|child| child.text())
}

/// The text of an element, joining its text nodes.
fn text_of(node: roxmltree::Node) -> String {
    node.children()
        .filter(|child| child.is_text())
        .filter_map(|child| child.text())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RDP_LOGON: &str = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-a5ba-3e3b0328c30d}"/><EventID>4624</EventID><Version>2</Version><Level>0</Level><Task>12544</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime="2024-03-14T12:34:56.1234567Z"/><EventRecordID>81234</EventRecordID><Correlation/><Execution ProcessID="640" ThreadID="7012"/><Channel>Security</Channel><Computer>ts1.corp.example</Computer><Security/></System><EventData><Data Name="TargetUserName">alice</Data><Data Name="TargetDomainName">CORP</Data><Data Name="TargetLogonId">0x5d2b1a</Data><Data Name="LogonType">10</Data><Data Name="IpAddress">10.0.0.5</Data><Data Name="IpPort">50123</Data></EventData></Event>"#;

    #[test]
    fn reads_an_event_viewer_event() {
        let events = events_from_xml(RDP_LOGON).unwrap();
        assert_eq!(events.len(), 1);
        let event = &events[0];
        assert_eq!(event.provider, "Microsoft-Windows-Security-Auditing");
        assert_eq!(event.event_id, 4624);
        assert_eq!(event.channel, "Security");
        assert_eq!(event.computer, "ts1.corp.example");
        assert_eq!(event.time.to_rfc3339(), "2024-03-14T12:34:56.123456+00:00");
        assert_eq!(event.record_id, Some(81234));
        assert_eq!(event.keywords, Some(0x8020000000000000));
        assert_eq!(event.value("TargetUserName"), Some("alice"));
        assert_eq!(event.value("LogonType"), Some("10"));
        assert_eq!(event.data.len(), 6);
    }

    #[test]
    fn reads_several_events_wrapped_or_not() {
        let saved = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Events>{RDP_LOGON}{RDP_LOGON}</Events>"
        );
        assert_eq!(events_from_xml(&saved).unwrap().len(), 2);
        let wevtutil = format!("{RDP_LOGON}{RDP_LOGON}{RDP_LOGON}");
        assert_eq!(events_from_xml(&wevtutil).unwrap().len(), 3);
        let copied = format!("- {}", RDP_LOGON.replace("><", ">- <"));
        assert_eq!(
            events_from_xml(&copied).unwrap()[0].value("IpPort"),
            Some("50123")
        );
        assert!(
            events_from_xml("<?xml version=\"1.0\"?><Events>")
                .unwrap()
                .is_empty()
        );
        assert!(events_from_xml("</Events>").unwrap().is_empty());
    }

    #[test]
    fn reads_user_data_leaves() {
        let xml = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-TerminalServices-LocalSessionManager" Guid="{5d896912-022d-40aa-a3a8-4fa5515c76d7}"/><EventID>21</EventID><TimeCreated SystemTime="2024-03-14T12:35:01.5Z"/><EventRecordID>77</EventRecordID><Channel>Microsoft-Windows-TerminalServices-LocalSessionManager/Operational</Channel><Computer>ts1.corp.example</Computer><Security UserID="S-1-5-18"/></System><UserData><EventXML xmlns="Event_NS"><User>CORP\alice</User><SessionID>3</SessionID><Address>10.0.0.5</Address></EventXML></UserData></Event>"#;
        let event = events_from_xml(xml).unwrap().remove(0);
        assert_eq!(event.event_id, 21);
        assert_eq!(event.value("User"), Some("CORP\\alice"));
        assert_eq!(event.value("SessionID"), Some("3"));
        assert_eq!(event.value("Address"), Some("10.0.0.5"));
        assert_eq!(event.keywords, None);
    }

    #[test]
    fn unnamed_data_items_are_named_by_position() {
        let xml = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Application Error"/><EventID Qualifiers="0">1000</EventID><TimeCreated SystemTime="2024-03-14T12:00:00.000000000Z"/><Channel>Application</Channel><Computer>pc1</Computer></System><EventData><Data>app.exe</Data><Data>1.0</Data><Data></Data></EventData></Event>"#;
        let event = events_from_xml(xml).unwrap().remove(0);
        assert_eq!(event.data.get("0").map(String::as_str), Some("app.exe"));
        assert_eq!(event.data.get("1").map(String::as_str), Some("1.0"));
        assert_eq!(event.data.get("2").map(String::as_str), Some(""));
        assert_eq!(event.value("2"), None);
    }

    #[test]
    fn refuses_broken_events_and_dtds() {
        assert_eq!(
            events_from_xml("hello").unwrap_err(),
            "windows xml: expected an `<Event>` element"
        );
        assert_eq!(
            events_from_xml("<Event><System>").unwrap_err(),
            "windows xml: expected `</Event>` after `<Event`"
        );
        let no_id = RDP_LOGON.replace("<EventID>4624</EventID>", "<EventID>x</EventID>");
        assert_eq!(
            events_from_xml(&no_id).unwrap_err(),
            "windows xml: expected a numeric `<EventID>`"
        );
        let no_time = RDP_LOGON.replace("2024-03-14T12:34:56.1234567Z", "noon");
        assert!(
            events_from_xml(&no_time)
                .unwrap_err()
                .contains("TimeCreated")
        );
        let entity = "<!DOCTYPE Event [<!ENTITY a \"b\">]><Event a=\"&a;\"></Event>";
        assert!(
            events_from_xml(entity)
                .unwrap_err()
                .starts_with("windows xml: invalid xml")
        );
        let dtd_inside = "<Event ><!DOCTYPE x></Event>";
        assert!(events_from_xml(dtd_inside).is_err());
        let huge = "x".repeat(MAX_XML_BYTES + 1);
        assert!(events_from_xml(&huge).unwrap_err().contains("at most"));
    }
}
