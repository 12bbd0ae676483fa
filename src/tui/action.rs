//! Every user intent, by name. Keys map to actions (keys.rs); screens say which actions they
//! offer now, and the hint bar, the help overlay and the command palette are built from that.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Palette,
    Back,
    NextTab,
    PrevTab,
    GoToday,
    GoCustomers,
    GoFollowUps,
    GoPeople,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    New,
    Edit,
    Advance,
    Delete,
    Filter,
    Segment,
    ToggleOpen,
    ToggleMine,
    ToggleIssues,
    AddPurchase,
    HandOverIssue,
    CloseIssue,
    Suspend,
}

impl Action {
    /// The locale key of the action's name, shown in hints, help and the palette.
    pub fn name_key(self) -> &'static str {
        use Action::*;
        match self {
            Quit => "action.quit",
            Help => "action.help",
            Palette => "action.palette",
            Back => "action.back",
            NextTab => "action.next_tab",
            PrevTab => "action.prev_tab",
            GoToday => "action.go_today",
            GoCustomers => "action.go_customers",
            GoFollowUps => "action.go_follow_ups",
            GoPeople => "action.go_people",
            Up => "action.up",
            Down => "action.down",
            PageUp => "action.page_up",
            PageDown => "action.page_down",
            Top => "action.top",
            Bottom => "action.bottom",
            Open => "action.open",
            New => "action.new",
            Edit => "action.edit",
            Advance => "action.advance",
            Delete => "action.delete",
            Filter => "action.filter",
            Segment => "action.segment",
            ToggleOpen => "action.toggle_open",
            ToggleMine => "action.toggle_mine",
            ToggleIssues => "action.toggle_issues",
            AddPurchase => "action.add_purchase",
            HandOverIssue => "action.hand_over_issue",
            CloseIssue => "action.close_issue",
            Suspend => "action.suspend",
        }
    }

    /// Movement is offered everywhere there is a list but not worth a place in the hint bar.
    pub fn is_movement(self) -> bool {
        use Action::*;
        matches!(self, Up | Down | PageUp | PageDown | Top | Bottom)
    }

    /// Offered on every screen.
    pub const GLOBAL: &'static [Action] = &[
        Action::GoToday,
        Action::GoCustomers,
        Action::GoFollowUps,
        Action::GoPeople,
        Action::NextTab,
        Action::PrevTab,
        Action::Palette,
        Action::Help,
        Action::Suspend,
        Action::Quit,
    ];
}
