namespace SessionTools.Rpc
{
    /// <summary>One session an action was given: a piped session, or an id (and computer) from -Id.</summary>
    internal sealed class Target
    {
        private Target(int sessionId, string computerName, UserSession session)
        {
            SessionId = sessionId;
            ComputerName = computerName;
            Session = session;
        }

        public static Target Of(UserSession s) { return new Target(s.SessionId, s.ComputerName, s); }
        public static Target ById(int sessionId, string computerName) { return new Target(sessionId, computerName, null); }

        public int SessionId { get; private set; }
        public string ComputerName { get; private set; }
        /// <summary>The piped session (the error's target object, and what -PassThru writes when nothing newer is known).</summary>
        public UserSession Session { get; private set; }

        /// <summary>As ShouldProcess names it: session 3 (CONTOSO\jdoe on RDP-Tcp#0) on rds01.</summary>
        public string Describe()
        {
            string what = "session " + SessionId;
            if (Session != null)
            {
                string user = Session.UserName;
                if (!string.IsNullOrEmpty(Session.Domain)) user = Session.Domain + "\\" + user;
                if (!string.IsNullOrEmpty(user) && !string.IsNullOrEmpty(Session.SessionName)) what += " (" + user + " on " + Session.SessionName + ")";
                else if (!string.IsNullOrEmpty(user)) what += " (" + user + ")";
            }
            if (!string.IsNullOrEmpty(ComputerName)) what += " on " + ComputerName;
            return what;
        }

        /// <summary>Its SessionTarget on the wire: {"SessionId":3,"ComputerName":"rds01"}.</summary>
        public void Write(JsonWriter w)
        {
            w.BeginObject().Name("SessionId").Integer(SessionId);
            if (!string.IsNullOrEmpty(ComputerName)) w.Name("ComputerName").String(ComputerName);
            w.EndObject();
        }
    }
}
