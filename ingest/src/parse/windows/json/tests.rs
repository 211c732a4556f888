use serde_json::json;

use super::*;

const OSLO: chrono_tz::Tz = chrono_tz::Europe::Oslo;

fn read(value: Json) -> Result<WindowsEvent, String> {
    let Json::Object(object) = value else {
        panic!("test value is not an object");
    };
    assert!(looks_like_windows_json(&object));
    event_from_json(&object, OSLO)
}

#[test]
fn reads_winlogbeat() {
    let event = read(json!({
        "@timestamp": "2024-03-14T12:34:56.123Z",
        "event": {"code": "4624", "outcome": "success"},
        "host": {"name": "ts1"},
        "winlog": {
            "event_id": "4624",
            "provider_name": "Microsoft-Windows-Security-Auditing",
            "channel": "Security",
            "computer_name": "ts1.corp.example",
            "record_id": 81234,
            "keywords": ["Audit Success"],
            "event_data": {"TargetUserName": "alice", "LogonType": "10", "KeyLength": 0}
        }
    }))
    .unwrap();
    assert_eq!(event.event_id, 4624);
    assert_eq!(event.provider, "Microsoft-Windows-Security-Auditing");
    assert_eq!(event.channel, "Security");
    assert_eq!(event.computer, "ts1.corp.example");
    assert_eq!(event.time.to_rfc3339(), "2024-03-14T12:34:56.123+00:00");
    assert_eq!(event.record_id, Some(81234));
    assert_eq!(event.keywords, Some(AUDIT_SUCCESS));
    assert_eq!(event.value("LogonType"), Some("10"));
    assert_eq!(event.value("KeyLength"), Some("0"));
}

#[test]
fn winlogbeat_falls_back_to_event_code_host_name_and_outcome() {
    let event = read(json!({
        "@timestamp": "2024-03-14T12:35:01.500Z",
        "event": {"code": 21, "outcome": "failure"},
        "host": {"name": "ts1"},
        "winlog": {
            "provider_name": "Microsoft-Windows-TerminalServices-LocalSessionManager",
            "channel": "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
            "user_data": {"User": "CORP\\alice", "SessionID": "3", "Address": "10.0.0.5", "xml_name": "EventXML"}
        }
    }))
    .unwrap();
    assert_eq!((event.event_id, event.computer.as_str()), (21, "ts1"));
    assert_eq!(event.keywords, Some(AUDIT_FAILURE));
    assert_eq!(event.value("User"), Some("CORP\\alice"));
    assert_eq!(event.value("SessionID"), Some("3"));
    assert_eq!(event.data.get("xml_name"), None);
}

#[test]
fn reads_nxlog_in_the_local_zone() {
    let event = read(json!({
        "EventTime": "2024-03-14 13:34:56",
        "EventReceivedTime": "2024-03-14 13:34:57",
        "Hostname": "fs1.corp.example",
        "Keywords": -9214364837600034816i64,
        "EventType": "AUDIT_SUCCESS",
        "EventID": 5145,
        "SourceName": "Microsoft-Windows-Security-Auditing",
        "Channel": "Security",
        "RecordNumber": 187568,
        "ShareName": "\\\\*\\SYSVOL",
        "IpPort": "63783",
        "tags": ["mordorDataset"]
    }))
    .unwrap();
    assert_eq!(event.time.to_rfc3339(), "2024-03-14T12:34:56+00:00");
    assert_eq!(event.computer, "fs1.corp.example");
    assert_eq!(event.keywords, Some(0x8020_0000_0000_0000));
    assert_eq!(event.record_id, Some(187568));
    assert_eq!(event.value("ShareName"), Some("\\\\*\\SYSVOL"));
    assert_eq!(event.value("EventType"), Some("AUDIT_SUCCESS"));
    assert_eq!(event.data.get("EventID"), None);
    assert_eq!(event.data.get("tags"), None);
}

#[test]
fn nxlog_times_with_an_offset_and_event_types_without_keywords() {
    let event = read(json!({
        "EventTime": "2024-03-14T13:34:56.250+02:00",
        "EventID": "4625",
        "SourceName": "Microsoft-Windows-Security-Auditing",
        "EventType": "AUDIT_FAILURE"
    }))
    .unwrap();
    assert_eq!(event.time.to_rfc3339(), "2024-03-14T11:34:56.250+00:00");
    assert_eq!(event.keywords, Some(AUDIT_FAILURE));
    let reason =
        read(json!({"EventTime": "yesterday", "EventID": 1, "SourceName": "x"})).unwrap_err();
    assert_eq!(
        reason,
        "windows json: expected `EventTime` as `YYYY-MM-DD hh:mm:ss`"
    );
}

#[test]
fn reads_get_winevent_properties_by_position() {
    let event = read(json!({
        "Id": 4634,
        "ProviderName": "Microsoft-Windows-Security-Auditing",
        "LogName": "Security",
        "MachineName": "ts1.corp.example",
        "RecordId": 81300,
        "Keywords": -9214364837600034816i64,
        "TimeCreated": "/Date(1710419696123)/",
        "Properties": [
            {"Value": {"BinaryLength": 28, "Value": "S-1-5-21-1-2-3-1104"}},
            {"Value": "alice"},
            {"Value": "CORP"},
            {"Value": 6105882},
            {"Value": 10},
            {"Value": "extra"}
        ]
    }))
    .unwrap();
    assert_eq!(event.time.to_rfc3339(), "2024-03-14T12:34:56.123+00:00");
    assert_eq!(event.value("TargetUserSid"), Some("S-1-5-21-1-2-3-1104"));
    assert_eq!(event.value("TargetUserName"), Some("alice"));
    assert_eq!(event.value("TargetLogonId"), Some("6105882"));
    assert_eq!(event.value("LogonType"), Some("10"));
    assert_eq!(event.value("5"), Some("extra"));
    let iso = read(json!({
        "Id": 1000, "ProviderName": "Application Error",
        "TimeCreated": "2024-03-14T13:34:56.1234567+01:00",
        "Properties": [{"Value": "app.exe"}]
    }))
    .unwrap();
    assert_eq!(iso.time.to_rfc3339(), "2024-03-14T12:34:56.123456+00:00");
    assert_eq!(iso.value("0"), Some("app.exe"));
}

#[test]
fn reads_the_evtx_rendering() {
    let event = read(json!({"Event": {
        "#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
        "System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
            "EventID": {"#attributes": {"Qualifiers": ""}, "#text": 4624},
            "Keywords": "0x8020000000000000",
            "TimeCreated": {"#attributes": {"SystemTime": "2024-03-14T12:34:56.1234567Z"}},
            "EventRecordID": 5278,
            "Channel": "Security",
            "Computer": "ts1.corp.example"
        },
        "EventData": {"TargetUserName": "alice", "LogonType": 10, "WorkstationName": null}
    }}))
    .unwrap();
    assert_eq!((event.event_id, event.record_id), (4624, Some(5278)));
    assert_eq!(event.provider, "Microsoft-Windows-Security-Auditing");
    assert_eq!(event.time.to_rfc3339(), "2024-03-14T12:34:56.123456+00:00");
    assert_eq!(event.value("LogonType"), Some("10"));
    assert_eq!(
        event.data.get("WorkstationName").map(String::as_str),
        Some("")
    );
    assert_eq!(event.keywords, Some(AUDIT_SUCCESS | 0x8000_0000_0000_0000));
}

#[test]
fn evtx_rendering_with_user_data_separate_attributes_and_unnamed_data() {
    let event = read(json!({"Event": {
        "System": {
            "Provider_attributes": {"Name": "Microsoft-Windows-TerminalServices-RemoteConnectionManager"},
            "EventID": "1149",
            "TimeCreated_attributes": {"SystemTime": "2024-03-14T12:34:50Z"},
            "Computer": "ts1"
        },
        "UserData": {"EventXML": {
            "#attributes": {"xmlns": "Event_NS"},
            "Param1": "alice", "Param2": "CORP", "Param3": {"#text": "10.0.0.5"}
        }}
    }}))
    .unwrap();
    assert_eq!(event.event_id, 1149);
    assert_eq!(event.value("Param1"), Some("alice"));
    assert_eq!(event.value("Param3"), Some("10.0.0.5"));
    assert_eq!(event.data.get("xmlns"), None);
    let unnamed = read(json!({"Event": {
        "System": {
            "Provider": {"#attributes": {"Name": "EventLog"}},
            "EventID": 6009,
            "TimeCreated": {"#attributes": {"SystemTime": "2017-07-12T17:16:28.2141616Z"}}
        },
        "EventData": {"Data": {"#text": ["10.00.", "15063", ""]}, "Binary": "00"}
    }}))
    .unwrap();
    assert_eq!(unnamed.value("0"), Some("10.00."));
    assert_eq!(unnamed.value("1"), Some("15063"));
    assert_eq!(unnamed.data.get("2").map(String::as_str), Some(""));
}

#[test]
fn refuses_objects_without_id_or_time() {
    let reason =
        read(json!({"winlog": {"channel": "Security"}, "@timestamp": "2024-03-14T12:00:00Z"}))
            .unwrap_err();
    assert_eq!(
        reason,
        "windows json: expected a numeric `winlog.event_id` or `event.code`"
    );
    let reason = read(json!({"winlog": {"event_id": 4624}})).unwrap_err();
    assert_eq!(reason, "windows json: expected `@timestamp` in iso 8601");
    let reason =
        read(json!({"Id": 1, "ProviderName": "x", "TimeCreated": "/Date(abc)/"})).unwrap_err();
    assert_eq!(
        reason,
        "windows json: expected `TimeCreated` as `/Date(ms)/` or iso 8601"
    );
    let reason = read(json!({"Event": {"System": {"EventID": 1}}})).unwrap_err();
    assert_eq!(
        reason,
        "windows json: expected `Event.System.TimeCreated` with `SystemTime`"
    );
    let not_windows = json!({"stream": "sessions"});
    assert!(!looks_like_windows_json(not_windows.as_object().unwrap()));
    assert!(event_from_json(not_windows.as_object().unwrap(), OSLO).is_err());
}
